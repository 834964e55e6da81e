import { describe, expect, it } from 'vitest';
import { canonicalKey } from './canonical-key.js';
import { normalizeSample } from './normalize-sample.js';

describe('normalizeSample', () => {
  it('reads alpaca with input and system', () => {
    expect(normalizeSample({ system: 'Be brief.', instruction: 'Add', input: '2+2', output: '4' })).toEqual({
      format: 'alpaca',
      turns: [
        { role: 'system', text: 'Be brief.' },
        { role: 'user', text: 'Add\n\n2+2' },
        { role: 'assistant', text: '4' },
      ],
    });
    expect(normalizeSample({ instruction: 'Hi', input: '', output: 'Hello' })?.turns[0]).toEqual({ role: 'user', text: 'Hi' });
  });

  it('reads messages, including text content parts, and skips tool turns', () => {
    const s = normalizeSample({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'look ' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'here' }] },
        { role: 'tool', content: '{"ok":true}' },
        { role: 'assistant', content: 'done' },
      ],
    });
    expect(s).toEqual({
      format: 'messages',
      turns: [
        { role: 'system', text: 'sys' },
        { role: 'user', text: 'look here' },
        { role: 'assistant', text: 'done' },
      ],
    });
  });

  it('reads ShareGPT conversations', () => {
    expect(normalizeSample({ conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] })).toEqual({
      format: 'sharegpt',
      turns: [{ role: 'user', text: 'q' }, { role: 'assistant', text: 'a' }],
    });
  });

  it("reads a ShareGPT sample's top-level system as its system turn, as LLaMA-Factory does, unless the conversation has one", () => {
    const turns = [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }];
    expect(normalizeSample({ conversations: turns, system: 'Be brief.' })?.turns).toEqual([
      { role: 'system', text: 'Be brief.' },
      { role: 'user', text: 'q' },
      { role: 'assistant', text: 'a' },
    ]);
    // The same conversation as a system turn, as alpaca and as messages: one exact-duplicate key.
    const inline = { conversations: [{ from: 'system', value: 'Be brief.' }, ...turns] };
    expect(canonicalKey({ conversations: turns, system: 'Be brief.' })).toBe(canonicalKey(inline));
    expect(canonicalKey(inline)).toBe(canonicalKey({ system: 'Be brief.', instruction: 'q', output: 'a' }));
    expect(normalizeSample({ conversations: [{ from: 'system', value: 'Own.' }, ...turns], system: 'Column.' })?.turns[0]).toEqual({
      role: 'system',
      text: 'Own.',
    });
    expect(normalizeSample({ conversations: turns, system: '' })?.turns).toHaveLength(2);
  });

  it('reads prompt/completion and text', () => {
    expect(normalizeSample({ prompt: 'p', completion: 'c' })?.format).toBe('completion');
    expect(normalizeSample({ text: 'plain' })).toEqual({ format: 'text', turns: [{ role: 'assistant', text: 'plain' }] });
  });

  it('returns undefined for anything else', () => {
    expect(normalizeSample(null)).toBeUndefined();
    expect(normalizeSample([1])).toBeUndefined();
    expect(normalizeSample({ question: 'q', answer: 'a' })).toBeUndefined();
    expect(normalizeSample({ messages: [{ role: 'wizard', content: 'x' }] })).toBeUndefined();
    expect(normalizeSample({ messages: [{ role: 'user', content: 42 }] })).toBeUndefined();
  });
});
