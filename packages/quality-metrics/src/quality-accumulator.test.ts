import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { accumulatorFromJSON, createQualityAccumulator, type QualityAccumulator, type QualityAccumulatorOptions, type SampleRecord } from './quality-accumulator.js';
import { createNearDupIndex } from './near-dup-index.js';
import type { Distribution, QualityReport } from './quality-report.js';
import { digestSample, isMeasured } from './sample-digest.js';
import { loadTokenizer } from './tokenizer.js';
import { makeText, makeVocabulary, mulberry32 } from '../test/generate.js';

const EN =
  'The committee reviewed the annual budget and decided to increase funding for public libraries, ' +
  'because more residents now rely on them for internet access, job applications and evening classes.';

function withoutTime(r: QualityReport): Omit<QualityReport, 'generatedAt'> {
  return { ...r, generatedAt: undefined } as Omit<QualityReport, 'generatedAt'>;
}

describe('createQualityAccumulator', () => {
  it('counts compliance and groups issues by code and path with example lines', () => {
    const acc = createQualityAccumulator();
    acc.add({ prompt: 'p', completion: 'c' }, { line: 1 });
    acc.add({ messages: [] }, { line: 2, issues: [
      { code: 'required', path: '/messages/0/content', message: 'x' },
      { code: 'required', path: '/messages/3/content', message: 'x' },
    ] });
    acc.add({ what: 1 }, { line: 4 });
    acc.add({ text: 'plain text' }, { line: 5, issues: [] });
    const r = acc.report();
    expect(r.counts).toEqual({
      lines: 5, samples: 4, valid: 2, invalid: 2, unrecognised: 1, complianceRate: 0.5,
      formats: { completion: 1, messages: 1, text: 1 },
    });
    expect(r.issues).toEqual([{ code: 'required', path: '/messages/*/content', count: 2, lines: [2] }]);
    // A line in no known format keeps its issues (a parse error, a value that is no object), so it can be found.
    acc.add(undefined, { line: 6, issues: [{ code: 'parse', path: '', message: 'invalid JSON' }] });
    expect(acc.report().issues).toEqual([
      { code: 'required', path: '/messages/*/content', count: 2, lines: [2] },
      { code: 'parse', path: '', count: 1, lines: [6] },
    ]);
  });

  it('computes distinct-n and MTLD as defined', () => {
    const acc = createQualityAccumulator({ flagThresholds: { minWords: 1 }, nearDup: false });
    acc.add({ prompt: 'x y', completion: 'a b a b' }, { line: 1 });
    const d = acc.report().diversity;
    // unigrams a,b,a,b: 2/4; bigrams ab,ba,ab: 2/3; trigrams aba,bab: 2/2.
    expect(d.response).toEqual({ ngrams: [4, 3, 2], distinct1: 0.5, distinct2: 0.666667, distinct3: 1, exact: true });
    expect(d.prompt.distinct1).toBe(1);
    // MTLD of "a b a b": forward: a(1) b(1) a(2/3 <= .72: factor) b(1, partial 0) -> 4/1; backward the same.
    expect(d.meanMtld).toBe(4);
    expect(d.topOpenings).toEqual([{ opening: 'x y', count: 1, share: 1 }]);
  });

  it('reports length quantiles within the sketch accuracy and an exact histogram', () => {
    const acc = createQualityAccumulator({ nearDup: false });
    for (let i = 1; i <= 1000; i++) acc.add({ prompt: 'q', completion: 'x'.repeat(i) }, { line: i });
    const chars = acc.report().lengths.response.chars;
    expect(chars.n).toBe(1000);
    expect(chars.mean).toBe(500.5);
    expect(chars.min).toBe(1);
    expect(chars.max).toBe(1000);
    for (const [q, v] of [[chars.p50, 500], [chars.p90, 900], [chars.p99, 990]] as const) {
      expect(Math.abs(q! - v) / v).toBeLessThanOrEqual(0.011);
    }
    expect(chars.histogram[0]).toEqual({ from: 1, to: 2, count: 1 });
    expect(chars.histogram.at(-1)).toEqual({ from: 512, to: 1024, count: 489 });
    expect(chars.histogram.reduce((s, b) => s + b.count, 0)).toBe(1000);
  });

  it('takes nearest-rank quantiles, so p99 of a handful of samples is their largest', () => {
    const acc = createQualityAccumulator({ nearDup: false });
    for (const [i, n] of [10, 20, 30, 96, 26_000].entries()) acc.add({ prompt: 'q', completion: 'x'.repeat(n) }, { line: i + 1 });
    const chars = acc.report().lengths.response.chars;
    expect(chars.p99).toBe(26_000);
    // ceil(0.5 * 5) = 3rd smallest; ceil(0.9 * 5) = 5th.
    expect(Math.abs(chars.p50! - 30) / 30).toBeLessThanOrEqual(0.011);
    expect(chars.p90).toBe(26_000);
    // Exactly the largest, not the sketch's bucket near it (4,065 for 4,100), so "p99ResponseChars <= 4096" fails.
    const small = createQualityAccumulator({ nearDup: false });
    for (const [i, n] of [100, 101, 102, 103, 4100].entries()) small.add({ prompt: `q${i}`, completion: 'a'.repeat(n) }, { line: i + 1 });
    const response = small.report().lengths.response.chars;
    expect([response.min, response.p99, response.max]).toEqual([100, 4100, 4100]);
    expect(Number.isInteger(response.p50)).toBe(true);
  });

  it('finds exact duplicates across formats, near duplicates and prompt conflicts', () => {
    const rand = mulberry32(3);
    const words = makeText(rand, makeVocabulary(rand, 5000), 100);
    const changed = [...words];
    changed[40] = 'different';
    const acc = createQualityAccumulator();
    acc.add({ instruction: 'Say hi', output: 'Hi!' }, { line: 1 });
    acc.add({ messages: [{ role: 'user', content: 'Say  hi' }, { role: 'assistant', content: 'Hi!' }] }, { line: 2 });
    acc.add({ prompt: 'Say hi', completion: 'Hello.' }, { line: 3 });
    acc.add({ text: words.join(' ') }, { line: 4 });
    acc.add({ text: changed.join(' ') }, { line: 5 });
    const r = acc.report();
    expect(r.exactDuplicates).toMatchObject({ duplicates: 1, groupCount: 1 });
    expect(r.exactDuplicates.groups[0]).toMatchObject({ representative: 1, count: 1, lines: [2] });
    expect(r.nearDuplicates).toMatchObject({ duplicates: 1, clusterCount: 1, numHashes: 128, bands: 16, rows: 8 });
    expect(r.nearDuplicates!.clusters[0]).toMatchObject({ representative: 4, size: 2, members: [5] });
    expect(r.nearDuplicates!.sCurve.find((p) => p.jaccard === 0.8)!.probability).toBeCloseTo(0.947049, 6);
    expect(r.nearDuplicates!.sizeHistogram[0]).toEqual({ size: '2', count: 1 });
    expect(r.promptConflicts).toEqual({ prompts: 1, samples: 1, rate: 0.2, groups: [{ representative: 1, count: 1, lines: [3] }] });
  });

  it('detects language with und below the minimum and counts mismatches', () => {
    const acc = createQualityAccumulator({ expectedLanguages: ['de'] });
    acc.add({ prompt: 'q', completion: EN }, { line: 1 });
    acc.add({ prompt: 'q', completion: 'ok' }, { line: 2 });
    const l = acc.report().language;
    expect(l.counts).toEqual([{ language: 'en', count: 1, share: 0.5 }, { language: 'und', count: 1, share: 0.5 }]);
    // The rate is over the samples whose language was told: the one of them is a mismatch. Before: 0.5, and the
    // more short answers beside it, the lower.
    expect(l).toMatchObject({ mismatches: 1, mismatchRate: 1, mismatchLines: [1], expected: ['de'] });
    const short = createQualityAccumulator({ expectedLanguages: ['en'] });
    short.add({ prompt: 'q', completion: 'yes' }, { line: 1 });
    expect(short.report().language).toMatchObject({ mismatches: 0, mismatchRate: null });
    // Codes are read as the detector names them; one that is no code would make every sample a mismatch.
    const en = createQualityAccumulator({ expectedLanguages: [' EN', 'en-US', 'de_AT'] });
    en.add({ prompt: 'q', completion: EN }, { line: 1 });
    expect(en.report().language).toMatchObject({ mismatches: 0, expected: ['de', 'en'] });
    expect(() => createQualityAccumulator({ expectedLanguages: ['english'] })).toThrow(/"english" is not an ISO 639-1 language code/);
    expect(createQualityAccumulator({ expectedLanguages: [''] }).report().language.expected).toBeNull();
  });

  it('counts PII per type and raises heuristic flags with example lines', () => {
    const acc = createQualityAccumulator();
    acc.add({ prompt: 'Write to ana@example.org', completion: 'Mail ana@example.org or bo@example.com' }, { line: 1 });
    acc.add({ prompt: 'Summarise {input}', completion: 'As an AI language model I cannot. <|im_end|>' }, { line: 2 });
    acc.add({ prompt: '', completion: 'Here:\n```js\nconsole.log(1)' }, { line: 3 });
    acc.add({ prompt: 'loop', completion: Array(60).fill('spam').join(' ') }, { line: 4 });
    const r = acc.report();
    expect(r.pii.samples).toBe(1);
    expect(r.pii.byType.find((t) => t.type === 'email')).toEqual({ type: 'email', spans: 3, samples: 1, lines: [1] });
    const flag = (code: string) => r.flags.find((f) => f.code === code)!;
    expect(flag('template_placeholder').lines).toEqual([2]);
    expect(flag('special_token').lines).toEqual([2]);
    expect(flag('refusal').lines).toEqual([2]);
    expect(flag('empty_turn').lines).toEqual([3]);
    expect(flag('unterminated_response').lines).toEqual([3]);
    // 60 x "spam": 51 word 10-grams, all but the first a repeat.
    expect(flag('word_repetition')).toMatchObject({ count: 1, share: 0.25, threshold: 0.2, lines: [4] });
    expect(flag('char_repetition').lines).toEqual([4]);
  });

  it('leaves system turns out of near-duplicate texts, as the exporter does', () => {
    const system = Array.from({ length: 200 }, (_, i) => `rule${i}`).join(' ');
    const acc = createQualityAccumulator();
    acc.add({ system, instruction: 'What is the capital of France?', output: 'Paris, on the Seine.' }, { line: 1 });
    acc.add({ system, instruction: 'How many legs does a spider have?', output: 'Eight legs.' }, { line: 2 });
    // Before: one near duplicate, the two samples alike through the 200 words they share.
    expect(acc.report().nearDuplicates?.duplicates).toBe(0);
  });

  it('flags word repetition of the response, not of the prompt', () => {
    const sentence = 'the quick brown fox jumps over the lazy dog every day';
    const repeated = Array(10).fill(sentence).join(' ');
    const unique = Array.from({ length: 120 }, (_, i) => `w${i}`).join(' ');
    const acc = createQualityAccumulator({ nearDup: false });
    acc.add({ prompt: 'Say it.', completion: repeated }, { line: 1 });
    acc.add({ prompt: unique, completion: repeated }, { line: 2 });
    acc.add({ prompt: repeated, completion: unique }, { line: 3 });
    // Before: [1, 3], the prompt's word hashes read as the response's.
    expect(acc.report().flags.find((f) => f.code === 'word_repetition')?.lines).toEqual([1, 2]);
  });

  it('streams one sidecar record per sample with reasons and cluster', () => {
    const records: SampleRecord[] = [];
    const acc = createQualityAccumulator({ onSample: (r) => records.push(r) });
    acc.add({ prompt: 'a', completion: 'b' }, { line: 1 });
    acc.add({ prompt: 'a', completion: 'b' }, { line: 2 });
    acc.add({ prompt: 'a', completion: '<|eot_id|>' }, { line: 3 });
    acc.add({ nope: true }, { line: 4 });
    expect(records).toEqual([
      { line: 1, status: 'ok', reasons: [] },
      { line: 2, status: 'duplicate', reasons: [{ code: 'exact_duplicate', value: 1, threshold: null }], cluster: 1 },
      { line: 3, status: 'flagged', reasons: [
        { code: 'prompt_conflict', value: 1, threshold: null },
        { code: 'special_token', value: null, threshold: null },
      ] },
      { line: 4, status: 'invalid', reasons: [{ code: 'unrecognised_format', value: null, threshold: null }] },
    ]);
  });

  it('measures tokens and truncation with a tokenizer', async () => {
    const tokenizer = await loadTokenizer(fileURLToPath(new URL('../test/fixtures/tiny-tokenizer', import.meta.url)));
    const acc = createQualityAccumulator({ tokenizer, maxSeqLen: 4 });
    acc.add({ prompt: 'hello world', completion: 'the cat sat .' }, { line: 1 }); // 2 + 4 tokens: 2 response tokens lost
    acc.add({ prompt: 'hello', completion: 'cat' }, { line: 2 });
    const r = acc.report();
    expect(r.lengths.response.tokens).toMatchObject({ n: 2, min: 1, max: 4, mean: 2.5 });
    expect(r.truncation).toEqual({
      maxSeqLen: 4, samplesOver: 1, overMaxSeqLenRate: 0.5, responseTokens: 5, responseTokensLost: 2, truncatedResponseTokenRate: 0.4,
    });
    expect(createQualityAccumulator().report().lengths.response.tokens).toBeUndefined();
  });

  it('knows a tokenizer by its tokenizer.json, not its folder: merges across paths, refuses another one on restore', async () => {
    const fixture = fileURLToPath(new URL('../test/fixtures/tiny-tokenizer', import.meta.url));
    const copy = mkdtempSync(join(tmpdir(), 'lorakit-tokenizer-'));
    copyFileSync(join(fixture, 'tokenizer.json'), join(copy, 'tokenizer.json'));
    const a = createQualityAccumulator({ tokenizer: await loadTokenizer(fixture), nearDup: false });
    const b = createQualityAccumulator({ tokenizer: await loadTokenizer(copy), nearDup: false });
    // Before: METRICS_INCOMPATIBLE_MERGE, the two paths differing.
    expect(() => a.merge(b)).not.toThrow();
    const other = { name: fixture, count: (text: string) => text.length };
    expect(() => accumulatorFromJSON(a.toJSON(), { tokenizer: other })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_STATE', message: expect.stringMatching(/computed with tokenizer sha256:[0-9a-f]{16}, not .*token counts would mix/) }));
    // A merge that cannot be made names what differs.
    expect(() => a.merge(createQualityAccumulator({ tokenizer: other, nearDup: false, maxExamples: 3 }))).toThrow('merge: both accumulators need the same options; these differ: maxExamples, tokenizer');
  });

  it('gives the same report bytes for the same input, apart from generatedAt', () => {
    const run = () => {
      const acc = createQualityAccumulator();
      const rand = mulberry32(9);
      const vocab = makeVocabulary(rand, 500);
      for (let i = 1; i <= 300; i++) acc.add({ prompt: makeText(rand, vocab, 8).join(' '), completion: makeText(rand, vocab, 60).join(' ') }, { line: i });
      return JSON.stringify({ ...acc.report(), generatedAt: '' });
    };
    expect(run()).toBe(run());
  });
});

describe('merge and JSON state', () => {
  function corpus(): { sample: unknown; line: number }[] {
    const rand = mulberry32(11);
    const vocab = makeVocabulary(rand, 400);
    const out: { sample: unknown; line: number }[] = [];
    const bases: string[] = [];
    for (let line = 1; line <= 400; line++) {
      const kind = rand();
      let sample: unknown;
      if (kind < 0.1 && bases.length > 0) sample = { prompt: 'same prompt', completion: bases[Math.floor(rand() * bases.length)] };
      else if (kind < 0.2 && bases.length > 0) {
        const w = bases[Math.floor(rand() * bases.length)]!.split(' ');
        w[3] = 'edited';
        sample = { prompt: 'same prompt', completion: w.join(' ') };
      } else {
        const text = makeText(rand, vocab, 60).join(' ') + (kind > 0.95 ? ' call +1 415 555 2671' : '');
        bases.push(text);
        sample = { instruction: makeText(rand, vocab, 5).join(' '), output: text };
      }
      out.push({ sample, line });
    }
    return out;
  }

  it('verifies near duplicates after a restore and a merge as in one pass (the state keeps the shingles)', () => {
    // Templated texts differing in a few scattered words; real data (FastChat) is in real-data.test.ts.
    const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon'.split(' ');
    const texts: string[] = [];
    for (let i = 0; i < 120; i++) {
      const w = [...words, ...words];
      for (const at of [3, 17, 31]) w[(at + i * 7) % w.length] = `v${i}x${at}`;
      texts.push(w.join(' '));
    }
    const shingles = (t: string) => {
      const w = t.toLowerCase().split(' ');
      return new Set(w.slice(0, w.length - 4).map((_, i) => w.slice(i, i + 5).join(' ')));
    };
    const sets = texts.map(shingles);
    const jaccard = (a: Set<string>, b: Set<string>) => {
      let n = 0;
      for (const s of a) if (b.has(s)) n++;
      return n / (a.size + b.size - n);
    };
    const whole = createQualityAccumulator();
    const a = createQualityAccumulator();
    const b = createQualityAccumulator();
    texts.forEach((text, i) => {
      const sample = { prompt: 'Rewrite it.', completion: text };
      whole.add(sample, { line: i + 1 });
      (i < 60 ? a : b).add(sample, { line: i + 1 });
    });
    const merged = accumulatorFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(accumulatorFromJSON(JSON.parse(JSON.stringify(b.toJSON()))));
    for (const report of [whole.report(), merged.report()]) {
      const near = report.nearDuplicates!;
      for (const c of near.clusters) {
        for (const m of c.members) {
          // Each member's best match is some earlier text at >= 0.8 exactly (its cluster's first may be further).
          const best = Math.max(...sets.slice(0, m - 1).map((s) => jaccard(s, sets[m - 1]!)));
          expect(best, `line ${m}`).toBeGreaterThanOrEqual(0.8);
        }
      }
    }
    expect(merged.report().nearDuplicates!.duplicates).toBe(whole.report().nearDuplicates!.duplicates);
  });

  it('report(A+B) equals report(merge(A, B)) for exact metrics, also through JSON', () => {
    const data = corpus();
    const whole = createQualityAccumulator();
    const a = createQualityAccumulator();
    const b = createQualityAccumulator();
    for (const { sample, line } of data) {
      whole.add(sample, { line });
      (line <= 170 ? a : b).add(sample, { line });
    }
    const shipped = accumulatorFromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    const merged = accumulatorFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(shipped);
    const expected = withoutTime(whole.report());
    const actual = withoutTime(merged.report());
    expect(expected.exactDuplicates.duplicates).toBeGreaterThan(0);
    expect(expected.nearDuplicates!.duplicates).toBeGreaterThan(0);
    expect(actual.counts).toEqual(expected.counts);
    // Texts are not kept per sample, so a group whose only duplicate was the other shard's first copy has no example.
    const noText = (g: { example: string }) => ({ ...g, example: '' });
    expect(actual.exactDuplicates.groups.map(noText)).toEqual(expected.exactDuplicates.groups.map(noText));
    expect(actual.exactDuplicates.duplicates).toBe(expected.exactDuplicates.duplicates);
    expect(actual.nearDuplicates!.duplicates).toBe(expected.nearDuplicates!.duplicates);
    expect(actual.nearDuplicates!.clusters.map((c) => [c.representative, c.size, c.members])).toEqual(
      expected.nearDuplicates!.clusters.map((c) => [c.representative, c.size, c.members]),
    );
    expect(actual.promptConflicts.samples).toBe(expected.promptConflicts.samples);
    expect(actual.pii).toEqual(expected.pii);
    expect(actual.flags).toEqual(expected.flags);
    expect(actual.language).toEqual(expected.language);
    expect(actual.diversity.response.distinct2).toBe(expected.diversity.response.distinct2);
    expect(actual.diversity.meanMtld).toBeCloseTo(expected.diversity.meanMtld!, 9);
    expect(actual.diversity.topOpenings).toEqual(expected.diversity.topOpenings);
    for (const side of ['prompt', 'response', 'total'] as const) {
      const e = expected.lengths[side].words;
      const g = actual.lengths[side].words;
      expect({ ...g, p50: 0, p90: 0, p95: 0, p99: 0 }).toEqual({ ...e, p50: 0, p90: 0, p95: 0, p99: 0 });
      for (const q of ['p50', 'p90', 'p95', 'p99'] as const) expect(Math.abs(g[q]! - e[q]!)).toBeLessThanOrEqual(0.01 * e[q]! + 1e-9);
    }
  });

  it('expectedSamples only sizes the tables: the same report and state, and shards sized differently merge', () => {
    const data = corpus();
    const plain = createQualityAccumulator();
    const sized = createQualityAccumulator({ expectedSamples: 1_000 });
    const small = createQualityAccumulator({ expectedSamples: 1 });
    for (const { sample, line } of data) {
      plain.add(sample, { line });
      sized.add(sample, { line });
      small.add(sample, { line });
    }
    expect(withoutTime(sized.report())).toEqual(withoutTime(plain.report()));
    expect(withoutTime(small.report())).toEqual(withoutTime(plain.report()));
    const state = (acc: typeof plain) => JSON.stringify({ ...acc.toJSON(), exact: null, conflicts: null });
    expect(state(sized)).toBe(state(plain));
    const a = createQualityAccumulator({ expectedSamples: 10 });
    const b = createQualityAccumulator({ expectedSamples: 100_000 });
    for (const { sample, line } of data) (line <= 170 ? a : b).add(sample, { line });
    a.merge(accumulatorFromJSON(JSON.parse(JSON.stringify(b.toJSON()))));
    expect(a.report().promptConflicts.samples).toBe(plain.report().promptConflicts.samples);
    expect(a.report().exactDuplicates.duplicates).toBe(plain.report().exactDuplicates.duplicates);
    expect(() => createQualityAccumulator({ expectedSamples: -1 })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_OPTIONS' }));
  });

  it('refuses a line of 2^53 or more up front, before counting the sample, as it refuses a line below 1', () => {
    const acc = createQualityAccumulator({});
    const sample = { instruction: 'Was gilt?', output: 'Es gilt das Gesetz.' };
    for (const line of [2 ** 53, 0, 1.5]) {
      expect(() => acc.add(sample, { line })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_OPTIONS' }));
    }
    expect(acc.report().counts.samples).toBe(0);
    acc.add(sample, { line: 2 ** 53 - 1 });
    expect(acc.report().counts.lines).toBe(2 ** 53 - 1);
  });

  it('refuses to merge accumulators with different options and rejects foreign JSON', () => {
    const a = createQualityAccumulator();
    expect(() => a.merge(createQualityAccumulator({ maxExamples: 3 }))).toThrow(expect.objectContaining({ code: 'METRICS_INCOMPATIBLE_MERGE' }));
    expect(() => accumulatorFromJSON({ hello: 1 })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_STATE' }));
    // A version-1 state (before sampleRate): its prompt keys are not comparable with today's.
    const old = { ...createQualityAccumulator().toJSON(), stateVersion: 1 };
    expect(() => accumulatorFromJSON(old)).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_STATE', message: expect.stringMatching(/older/) }));
    // Version 2 kept near-duplicate signatures without the shingles that verify them.
    const two = { ...createQualityAccumulator().toJSON(), stateVersion: 2 };
    expect(() => accumulatorFromJSON(two)).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_STATE', message: expect.stringMatching(/older .*stateVersion 2/) }));
    expect(() => accumulatorFromJSON({ ...createQualityAccumulator().toJSON(), stateVersion: 4 })).toThrow(/unsupported stateVersion 4/);
  });
});

describe('toJSONChunks', () => {
  it('gives the text of JSON.stringify(toJSON()), near-duplicate signatures straddling parts included', () => {
    // 120 hashes = 240 signature bytes, which do not divide a part: some signature is split between two.
    const acc = createQualityAccumulator({ sampleRate: 0.3, nearDup: { numHashes: 120, bands: 12 } });
    const rand = mulberry32(7);
    const vocab = makeVocabulary(rand, 400);
    for (let line = 1; line <= 4000; line++) {
      const prompt = makeText(rand, vocab, 10).join(' ');
      acc.add({ prompt: line % 50 === 0 ? 'the same question' : prompt, completion: makeText(rand, vocab, 30).join(' ') }, { line });
    }
    const text = [...acc.toJSONChunks()].join('');
    expect(text).toBe(JSON.stringify(acc.toJSON()));
    expect(withoutTime(accumulatorFromJSON(JSON.parse(text)).report())).toEqual(withoutTime(acc.report()));
  });
});

describe('sampleRate', () => {
  // Word salads eld tells apart reliably: the test needs known language shares, not fluent text.
  const WORDS: Record<string, string[]> = {
    en: 'the of and to in is that it was for on are with as his they be at one have this from by word but what some we can out other were all there when up use your how said each she which do their time if will way about many then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my over know water than call first who may down side been now find'.split(' '),
    de: 'der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei'.split(' '),
    fr: 'le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas vous par sur faire plus dire me on mon lui nous comme mais pouvoir avec tout y aller voir bien où sans tu ou leur homme si deux mari moi vouloir te femme venir quand grand celui'.split(' '),
  };

  /** ~4,000 samples: 60% en, 30% de, 10% fr; 3% exact duplicates, 5% prompt conflicts, 1% PII, 1% invalid. */
  function corpus(): { sample: unknown; line: number; issues?: { code: string; path: string; message: string }[] }[] {
    const rand = mulberry32(42);
    const out: { sample: unknown; line: number; issues?: { code: string; path: string; message: string }[] }[] = [];
    const say = (lang: string, n: number) => Array.from({ length: n }, () => WORDS[lang]![Math.floor(rand() * WORDS[lang]!.length)]).join(' ');
    for (let line = 1; line <= 4000; line++) {
      const r = rand();
      if (r < 0.03 && out.length > 0) {
        out.push({ sample: out[Math.floor(rand() * out.length)]!.sample, line });
        continue;
      }
      const lang = r < 0.6 ? 'en' : r < 0.9 ? 'de' : 'fr';
      const prompt = r > 0.95 && out.length > 0 ? 'always the same question' : `${say(lang, 8)} ${line}?`;
      const response = say(lang, 20 + Math.floor(rand() * 40)) + (r > 0.99 ? ' mail me at someone@example.org' : '.');
      out.push({
        sample: line % 2 ? { prompt, completion: response } : { messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: response }] },
        line,
        ...(rand() < 0.01 ? { issues: [{ code: 'required', path: '/completion', message: 'missing' }] } : {}),
      });
    }
    return out;
  }

  async function options() {
    const tokenizer = await loadTokenizer(fileURLToPath(new URL('../test/fixtures/tiny-tokenizer', import.meta.url)));
    return { tokenizer, maxSeqLen: 40, expectedLanguages: ['en', 'de'] };
  }

  function run(rows: ReturnType<typeof corpus>, acc: ReturnType<typeof createQualityAccumulator>) {
    for (const { sample, line, issues } of rows) acc.add(sample, { line, ...(issues ? { issues } : {}) });
    return acc;
  }

  /** The exact tier: every section that covers every valid sample. */
  function exactTier(r: QualityReport) {
    return {
      counts: r.counts,
      issues: r.issues,
      chars: [r.lengths.prompt.chars, r.lengths.response.chars, r.lengths.total.chars],
      tokens: [r.lengths.prompt.tokens, r.lengths.response.tokens, r.lengths.total.tokens],
      truncation: r.truncation,
      exactDuplicates: r.exactDuplicates,
      nearDuplicates: r.nearDuplicates,
      promptConflicts: r.promptConflicts,
    };
  }

  it('at rate 1 gives the report of no option, with every valid sample measured', async () => {
    const rows = corpus().slice(0, 1500);
    const plain = run(rows, createQualityAccumulator(await options())).report();
    const rated = run(rows, createQualityAccumulator({ ...(await options()), sampleRate: 1 })).report();
    expect({ ...rated, generatedAt: '' }).toEqual({ ...plain, generatedAt: '' });
    expect(plain.sampling).toEqual({ rate: 1, measured: plain.counts.valid });
  });

  it('at rate 0.1 measures ~10% of valid samples, the same ones on every run and shard split', async () => {
    const rows = corpus();
    const recordsOf = (acc: (onSample: (r: SampleRecord) => void) => void) => {
      const unmeasured = new Set<number>();
      acc((r) => {
        if (r.measured === false) unmeasured.add(r.line);
      });
      return unmeasured;
    };
    const opts = await options();
    let single!: QualityReport;
    const first = recordsOf((onSample) => {
      single = run(rows, createQualityAccumulator({ ...opts, sampleRate: 0.1, onSample })).report();
    });
    const valid = single.counts.valid;
    const measured = single.sampling!.measured;
    expect(single.sampling!.rate).toBe(0.1);
    expect(measured + first.size).toBe(valid);
    // Binomial: mean 0.1·valid, sd √(valid·0.1·0.9) ≈ 19; four sd either way.
    const sd = Math.sqrt(valid * 0.1 * 0.9);
    expect(Math.abs(measured - 0.1 * valid)).toBeLessThanOrEqual(4 * sd);

    // A second run selects the same samples.
    const second = recordsOf((onSample) => run(rows, createQualityAccumulator({ ...opts, sampleRate: 0.1, onSample })).report());
    expect([...second]).toEqual([...first]);

    // Two shards, through JSON state, merged back: same selection, same exact tier, same measured count.
    let merged!: QualityReport;
    const sharded = recordsOf((onSample) => {
      const a = run(rows.slice(0, 1700), createQualityAccumulator({ ...opts, sampleRate: 0.1, onSample }));
      const b = run(rows.slice(1700), createQualityAccumulator({ ...opts, sampleRate: 0.1, onSample }));
      const restored = accumulatorFromJSON(JSON.parse(JSON.stringify(a.toJSON())), { tokenizer: opts.tokenizer });
      restored.merge(accumulatorFromJSON(JSON.parse(JSON.stringify(b.toJSON())), { tokenizer: opts.tokenizer }));
      merged = restored.report();
    });
    expect([...sharded].sort((x, y) => x - y)).toEqual([...first]);
    expect(merged.sampling).toEqual(single.sampling);
    const noQuantiles = (d: Distribution | undefined) => d && { ...d, p50: 0, p90: 0, p95: 0, p99: 0 };
    const strip = (r: QualityReport) => {
      const e = exactTier(r);
      return {
        ...e,
        chars: e.chars.map(noQuantiles),
        tokens: e.tokens.map(noQuantiles),
        exactDuplicates: { ...e.exactDuplicates, groups: e.exactDuplicates.groups.map((g) => ({ ...g, example: '' })) },
      };
    };
    expect(strip(merged)).toEqual(strip(single));
    expect(merged.language.counts).toEqual(single.language.counts);
  });

  it('at rate 0.1 keeps the exact tier of the full run and estimates language shares within the stated margin', async () => {
    const rows = corpus();
    const opts = await options();
    const full = run(rows, createQualityAccumulator(opts)).report();
    const sampled = run(rows, createQualityAccumulator({ ...opts, sampleRate: 0.1 })).report();
    expect(exactTier(sampled)).toEqual(exactTier(full));

    const measured = sampled.sampling!.measured;
    expect(sampled.lengths.total.words.n).toBe(measured);
    expect(sampled.language.counts.reduce((s, l) => s + l.count, 0)).toBe(measured);
    // Tolerance: the worst-case 95% margin the report states, 1.96·√(0.25 / measured) (±4.7 points at ~430).
    const margin = 1.96 * Math.sqrt(0.25 / measured);
    const share = (r: QualityReport, lang: string) => r.language.counts.find((l) => l.language === lang)?.share ?? 0;
    for (const lang of ['en', 'de', 'fr']) expect(Math.abs(share(sampled, lang) - share(full, lang))).toBeLessThanOrEqual(margin);
    expect(Math.abs(sampled.language.mismatchRate! - full.language.mismatchRate!)).toBeLessThanOrEqual(margin);
    // Shares are over measured samples, not valid ones.
    const en = sampled.language.counts.find((l) => l.language === 'en')!;
    expect(en.share).toBeCloseTo(en.count / measured, 6);
    const und = sampled.language.counts.find((l) => l.language === 'und')?.count ?? 0;
    expect(sampled.language.mismatchRate).toBeCloseTo(sampled.language.mismatches / (measured - und), 9);
  });

  it('marks unmeasured samples in the sidecar and gives them only exact-tier reasons', () => {
    const at = (sampleRate: number) => {
      const records: SampleRecord[] = [];
      const acc = createQualityAccumulator({ sampleRate, onSample: (r) => records.push(r) });
      for (let line = 1; line <= 400; line++) {
        acc.add({ prompt: `q ${line % 200}`, completion: `mail ${line}@example.org <|eot_id|>` }, { line });
      }
      acc.add({ nope: true }, { line: 401 });
      return records;
    };
    const full = at(1);
    expect(full.every((r) => !('measured' in r))).toBe(true);
    expect(full[0]!.reasons.map((r) => r.code)).toEqual(['pii_email', 'special_token']);
    const sampled = at(0.25);
    const unmeasured = sampled.filter((r) => r.measured === false);
    expect(unmeasured.length).toBeGreaterThan(50);
    expect(unmeasured.length).toBeLessThan(400);
    for (const r of unmeasured) for (const reason of r.reasons) expect(reason.code).toBe('prompt_conflict');
    expect(unmeasured.some((r) => r.status === 'flagged')).toBe(true);
    for (const r of sampled.filter((x) => x.measured === undefined && x.status !== 'invalid')) {
      expect(r.reasons.map((x) => x.code)).toContain('pii_email');
    }
    expect(sampled.at(-1)).toEqual({ line: 401, status: 'invalid', reasons: [{ code: 'unrecognised_format', value: null, threshold: null }] });
  });

  it('addDigest with the sample only where isMeasured says gives the report of add, apart from duplicate examples', () => {
    const rows = [...corpus(), { sample: { question: 'not a known format' }, line: 4001 }];
    const rate = 0.1;
    const opts = { sampleRate: rate, expectedLanguages: ['en', 'de'], nearDup: false as const };
    const byAdd = run(rows, createQualityAccumulator(opts)).report();
    const byDigest = createQualityAccumulator(opts);
    let withSample = 0;
    for (const { sample, line, issues } of rows) {
      const digest = digestSample(sample);
      const measured = isMeasured(digest, rate);
      // Kept-invalid samples are only counted, measured or not.
      if (measured && !issues) withSample++;
      byDigest.addDigest(digest, { line, ...(issues ? { issues } : {}) }, measured ? sample : undefined);
    }
    const report = byDigest.report();
    expect(withSample).toBe(report.sampling!.measured);
    expect(report.counts.unrecognised).toBe(1);
    expect(report.exactDuplicates.duplicates).toBeGreaterThan(50);
    const noExamples = (r: QualityReport) => ({ ...withoutTime(r), exactDuplicates: { ...r.exactDuplicates, groups: r.exactDuplicates.groups.map((g) => ({ ...g, example: '' })) } });
    expect(noExamples(report)).toEqual(noExamples(byAdd));
    // The example of a group is only known when its first duplicate came with its sample.
    expect(byAdd.exactDuplicates.groups.every((g) => g.example !== '')).toBe(true);
    expect(report.exactDuplicates.groups.some((g) => g.example === '')).toBe(true);

    // A sample the digest cannot stand in for must come along, or the accumulator says which line needs it.
    const measuredRow = rows.find((r) => !r.issues && isMeasured(digestSample(r.sample), rate))!;
    expect(() => createQualityAccumulator(opts).addDigest(digestSample(measuredRow.sample), { line: measuredRow.line })).toThrow(
      expect.objectContaining({ code: 'METRICS_UNRECOGNISED_SAMPLE', message: expect.stringContaining(`line ${measuredRow.line} needs its sample (content metrics)`) }),
    );
    const near = createQualityAccumulator({ sampleRate: rate });
    expect(() => near.addDigest(digestSample({ prompt: 'a question', completion: 'an answer' }), { line: 1 })).toThrow(/near duplicates/);
  });

  it('rejects rates outside (0, 1] and merges only equal rates, which JSON state keeps', () => {
    for (const sampleRate of [Number.NaN, 0, -0.5, 1.01, Number.POSITIVE_INFINITY, '0.5' as unknown as number]) {
      expect(() => createQualityAccumulator({ sampleRate })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_OPTIONS' }));
    }
    const a = createQualityAccumulator({ sampleRate: 0.5 });
    expect(() => a.merge(createQualityAccumulator({ sampleRate: 0.25 }))).toThrow(expect.objectContaining({ code: 'METRICS_INCOMPATIBLE_MERGE' }));
    expect(() => a.merge(createQualityAccumulator())).toThrow(expect.objectContaining({ code: 'METRICS_INCOMPATIBLE_MERGE' }));
    const b = createQualityAccumulator({ sampleRate: 0.5 });
    for (let line = 1; line <= 50; line++) b.add({ prompt: `q${line}`, completion: `the answer number ${line}` }, { line });
    const restored = accumulatorFromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    a.merge(restored);
    expect(a.report().sampling).toEqual(b.report().sampling);
    expect(b.report().sampling!.rate).toBe(0.5);
  });
});

describe('phone regions', () => {
  const samples = [
    { instruction: 'Wie erreiche ich das Büro?', output: 'Rufen Sie 030 12345678 an.' },
    { instruction: 'Und mobil?', output: 'Unter 0171 1234567, werktags.' },
    { instruction: 'Wie viele Einwohner?', output: 'Die Stadt hatte 211.000 Einwohner (Stand 2011).' },
  ];
  const piiOf = (acc: QualityAccumulator) => {
    samples.forEach((s, i) => acc.add(s, { line: i + 1 }));
    return acc.report().pii;
  };

  it('finds national phone numbers of the regions given, and only those', () => {
    expect(piiOf(createQualityAccumulator({ nearDup: false })).samples).toBe(0);
    const report = piiOf(createQualityAccumulator({ nearDup: false, phoneRegions: ['de'] }));
    expect(report.samples).toBe(2);
    expect(report.byType.find((t) => t.type === 'phone')).toMatchObject({ spans: 2, samples: 2, lines: [1, 2] });
  });

  it('keeps the regions in the state and report, and refuses to merge across different ones', () => {
    const a = createQualityAccumulator({ nearDup: false, phoneRegions: ['DE', 'at'] });
    piiOf(a);
    const restored = accumulatorFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(restored.report().options.phoneRegions).toEqual(['AT', 'DE']);
    expect(restored.report().pii).toEqual(a.report().pii);
    expect(() => a.merge(createQualityAccumulator({ nearDup: false }))).toThrow('these differ: phoneRegions');
    expect(() => createQualityAccumulator({ phoneRegions: ['Germany'] })).toThrow(
      expect.objectContaining({ code: 'METRICS_INVALID_OPTIONS', message: expect.stringContaining('option phoneRegions: phone region "Germany"') }),
    );
  });
});

describe('input checks', () => {
  it('refuses misspelt options and thresholds, a missing context and a foreign merge, naming them', () => {
    expect(() => createQualityAccumulator({ sampelRate: 0.02 } as QualityAccumulatorOptions)).toThrow(
      expect.objectContaining({ code: 'METRICS_INVALID_OPTIONS', message: expect.stringContaining('option sampelRate: unknown option') }),
    );
    expect(() => createQualityAccumulator({ flagThresholds: { nope: 1 } } as QualityAccumulatorOptions)).toThrow(/flagThresholds\.nope: unknown threshold/);
    const acc = createQualityAccumulator({ nearDup: false });
    expect(() => acc.add({ prompt: 'a', completion: 'b' }, undefined as unknown as { line: number })).toThrow(/add: needs a context \{ line, issues\? \}/);
    expect(() => acc.add({ prompt: 'a', completion: 'b' }, { line: 1, issues: 'x' as unknown as [] })).toThrow(/context\.issues must be an array/);
    expect(() => acc.merge({} as QualityAccumulator)).toThrow(expect.objectContaining({ code: 'METRICS_INCOMPATIBLE_MERGE' }));
    expect(() => createNearDupIndex().add('a' as unknown as number, 'some text here')).toThrow(/id must be a number \(e\.g\. the line\), got "a"/);
  });
});
