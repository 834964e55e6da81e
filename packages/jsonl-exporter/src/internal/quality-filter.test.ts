import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from '../export-config.js';
import type { Draft, Turn } from './draft.js';
import { QualityFilter } from './quality-filter.js';
import { countCodePoints as charLength } from '@lorakit/schema-validation';

function filter(quality: ExportConfigInput['quality'], style: ExportConfigInput['style'] = 'instruction'): QualityFilter {
  return new QualityFilter(parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' }, style, quality }));
}

function draft(turns: Turn[], system?: string): Draft {
  return { system, turns, input: undefined, custom: undefined, metadata: undefined, weight: undefined };
}

/** A one-exchange sample: prompt, then response. */
function check(f: QualityFilter, prompt: string, response: string) {
  return f.check(draft([{ role: 'user', text: prompt }, { role: 'assistant', text: response }]), -1, response, charLength(response));
}

describe('QualityFilter', () => {
  it('measures min/max length in characters, not bytes', () => {
    const f = filter({ min_text_length: 3, max_text_length: 5 });
    expect(check(f, 'q', 'äöü')).toBeUndefined();
    expect(check(f, 'q', '🎨🎨🎨🎨🎨')).toBeUndefined();
    expect(check(f, 'q', 'ab')).toMatchObject({ code: 'too_short' });
    expect(check(f, 'q', 'abcdef')).toMatchObject({ code: 'too_long' });
  });

  it('rejects empty and whitespace-only responses', () => {
    expect(check(filter({}), 'q', ' \n\t')).toMatchObject({ code: 'empty_response' });
    // Characters that show nothing: zero-width space, joiners, word joiner, BOM, no-break space.
    expect(check(filter({}), 'q', '\u200B\u200C\u200D\u2060\uFEFF\u00A0')).toMatchObject({ code: 'empty_response' });
    expect(check(filter({}), 'q', '\u200BOk')).toBeUndefined();
  });

  it('in conversation styles, rejects an empty turn anywhere, not only an empty last response', () => {
    const turns = (...texts: string[]): Turn[] => texts.map((text, i) => ({ role: i % 2 ? 'assistant' : 'user', text }));
    for (const style of ['chat', 'sharegpt', 'openai'] as const) {
      const f = filter({}, style);
      const earlierEmpty = turns('hi', '', 'more', 'final answer here');
      expect(f.check(draft(earlierEmpty), -1, 'final answer here', 17)).toMatchObject({ code: 'empty_turn', message: 'turn 2 (assistant) is empty' });
      expect(f.check(draft(turns(' ', 'answer to nothing')), -1, 'answer to nothing', 17)).toMatchObject({ code: 'empty_turn', message: 'turn 1 (user) is empty' });
      const kept = filter({ reject_empty: false }, style).check(draft(earlierEmpty), -1, 'final answer here', 17);
      // openai refuses an empty message whatever reject_empty says: OpenAI refuses the line.
      if (style === 'openai') expect(kept).toMatchObject({ code: 'empty_turn' });
      else expect(kept).toBeUndefined();
      expect(filter({ reject_empty: false }, style).check(draft(turns(' ', 'answer to nothing')), -1, 'answer to nothing', 17)).toBeUndefined();
    }
  });

  it('toxicity list matches whole words only, case-insensitively, in any script, when enabled', () => {
    const f = filter({ toxicity: { enabled: true, words: ['idiot', 'Dummkopf'] } });
    expect(check(f, 'q', 'You IDIOT.')).toMatchObject({ code: 'toxic', message: expect.stringContaining('IDIOT') });
    expect(check(f, 'du dummkopf', 'fine')).toMatchObject({ code: 'toxic' });
    expect(check(f, 'q', 'idiotic idioten')).toBeUndefined();
    expect(check(filter({ toxicity: { words: ['idiot'] } }), 'q', 'idiot')).toBeUndefined();
  });

  it('toxicity list compares in Unicode NFC, so a decomposed umlaut (as macOS writes it) matches too', () => {
    const f = filter({ toxicity: { enabled: true, words: ['Müll'] } });
    expect(check(f, 'q', 'Das ist Mu\u0308ll.')).toMatchObject({ code: 'toxic' });
    expect(check(f, 'q', 'Das ist Müll.')).toMatchObject({ code: 'toxic' });
    expect(check(filter({ toxicity: { enabled: true, words: ['Mu\u0308ll'] } }), 'q', 'Das ist Müll.')).toMatchObject({ code: 'toxic' });
    expect(check(f, 'q', 'Die Mülltonne.')).toBeUndefined();
  });

  it('toxicity list reads every assistant turn and the system prompt, not only the last exchange', () => {
    const f = filter({ toxicity: { enabled: true, words: ['ass'] } }, 'chat');
    const earlier: Turn[] = [
      { role: 'user', text: 'hi' },
      { role: 'assistant', text: 'you ass' },
      { role: 'user', text: 'ok' },
      { role: 'assistant', text: 'fine' },
    ];
    expect(f.check(draft(earlier), -1, 'fine', 4)).toMatchObject({ code: 'toxic', message: 'contains the listed word "ass"' });
    const clean = earlier.map((t) => (t.text === 'you ass' ? { ...t, text: 'sure' } : t));
    expect(f.check(draft(clean), -1, 'fine', 4)).toBeUndefined();
    expect(f.check(draft(clean, 'Never call anyone an ass.'), -1, 'fine', 4)).toMatchObject({ code: 'toxic' });
  });
});
