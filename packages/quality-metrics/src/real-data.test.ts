import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tools/test-env.mjs';
import { detectPii } from './detect-pii.js';
import { createQualityAccumulator } from './quality-accumulator.js';

const dir = sharedPath('datasets/instruction');

describe.skipIf(dir === undefined)('on real public datasets', () => {
  it('finds no phone number in German prose with the German numbering plan (years, amounts, model numbers are none)', () => {
    const text = readFileSync(join(dir!, 'LEL-A__EuroInstructProject__InstructGermanDPR_v1_test.csv'), 'utf8');
    const phones = text.split('\n').flatMap((line) => detectPii(line, { phoneRegions: ['DE'] }).filter((s) => s.type === 'phone'));
    expect(phones).toEqual([]);
  });

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

  it('counts as near duplicates of FastChat conversations only pairs whose exact Jaccard similarity is >= 0.8', () => {
    type Conversation = { conversations: { from: string; value: string }[] };
    const conversations = JSON.parse(readFileSync(join(dir!, 'lm-sys__FastChat__dummy_conversation.json'), 'utf8')) as Conversation[];
    const acc = createQualityAccumulator({ maxExamples: 1000 });
    conversations.forEach((c, i) => acc.add(c, { line: i + 1 }));
    // The accumulator's text: the user turns, then the assistant turns; word 5-gram shingles, as documented.
    const side = (c: Conversation, gpt: boolean) => c.conversations.filter((t) => (t.from === 'gpt') === gpt).map((t) => t.value).join('\n');
    const shingles = conversations.map((c) => {
      const words = `${side(c, false)}\n${side(c, true)}`.toLowerCase().match(/[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu) ?? [];
      const k = Math.min(5, words.length);
      return new Set(words.slice(0, words.length - k + 1).map((_, i) => words.slice(i, i + k).join(' ')));
    });
    const jaccard = (a: Set<string>, b: Set<string>) => {
      let n = 0;
      for (const s of a) if (b.has(s)) n++;
      return n / (a.size + b.size - n);
    };
    const near = acc.report().nearDuplicates!;
    const members = near.clusters.flatMap((c) => c.members);
    expect(members).toHaveLength(near.duplicates);
    // Before: 113 of 500 on the MinHash estimate alone, 64 of them with no earlier conversation at 0.8.
    expect(near.duplicates).toBeGreaterThan(0);
    expect(near.duplicates).toBeLessThan(40);
    for (const line of members) {
      const best = Math.max(...shingles.slice(0, line - 1).map((s) => jaccard(s, shingles[line - 1]!)));
      expect(best, `line ${line}`).toBeGreaterThanOrEqual(0.8);
    }
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
