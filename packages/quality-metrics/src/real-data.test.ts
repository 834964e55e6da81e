import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tools/test-env.mjs';
import { createQualityAccumulator } from './quality-accumulator.js';

const dir = sharedPath('datasets/instruction');

describe.skipIf(dir === undefined)('on real public datasets', () => {
  it('reads FastChat ShareGPT conversations role-aware', () => {
    const conversations = JSON.parse(readFileSync(join(dir!, 'lm-sys__FastChat__dummy_conversation.json'), 'utf8')) as unknown[];
    const acc = createQualityAccumulator({ expectedLanguages: ['en'] });
    conversations.forEach((c, i) => acc.add(c, { line: i + 1 }));
    const r = acc.report();
    expect(r.counts).toMatchObject({ samples: conversations.length, valid: conversations.length, formats: { sharegpt: conversations.length } });
    expect(r.language.counts[0]).toMatchObject({ language: 'en' });
    expect(r.language.mismatchRate).toBeLessThan(0.05);
    // The file is a templated demo set: many answers reuse the same sentences.
    expect(r.nearDuplicates!.duplicates).toBeGreaterThan(0);
    expect(r.lengths.prompt.words.n).toBe(conversations.length);
  });

  it('reads OpenAI chat fine-tuning JSONL and flags its degenerate long response', () => {
    const lines = readFileSync(join(dir!, 'openai__openai-cookbook__toy_chat_fine_tuning.jsonl'), 'utf8').trimEnd().split('\n');
    const acc = createQualityAccumulator();
    lines.forEach((l, i) => acc.add(JSON.parse(l), { line: i + 1 }));
    const r = acc.report();
    expect(r.counts.formats).toEqual({ messages: lines.length });
    const longest = r.lengths.response.words.max!;
    expect(longest).toBeGreaterThan(1000);
    expect(r.flags.find((f) => f.code === 'word_repetition')!.count).toBe(1);
  });
});
