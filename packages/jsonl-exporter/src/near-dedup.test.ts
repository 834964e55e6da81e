import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tools/test-env.mjs';
import { parseExportConfig, type ExportConfigInput } from './export-config.js';
import { exportRecords, type ExportEvent } from './export-records.js';
import type { RejectEntry } from './export-stats.js';
import { openSource, type SourceItem } from './sources/index.js';

// The words near dedup compares: quality-metrics' splitWords (lower-cased runs of letters, marks and digits).
const WORD_RE = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;

/** Exact Jaccard similarity of two texts' word 5-gram shingle sets (texts under 5 words: one shingle). */
function jaccard(a: string, b: string): number {
  const shingles = (text: string) => {
    const words = text.toLowerCase().match(WORD_RE) ?? [];
    const k = Math.min(5, words.length);
    const out = new Set<string>();
    for (let i = 0; i + k <= words.length; i++) out.add(words.slice(i, i + k).join(' '));
    return out;
  };
  const sa = shingles(a);
  const sb = shingles(b);
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}

function config(over: Partial<ExportConfigInput> = {}) {
  return parseExportConfig({ source: { type: 'stdin' }, split: { validation: 0 }, weighting: { enabled: false }, ...over });
}

/** Each item's outcome, in source order: exportRecords emits one line or reject per item, then the stats. */
async function outcomes(items: SourceItem[], cfg: ReturnType<typeof config>): Promise<(RejectEntry | 'kept')[]> {
  const out: (RejectEntry | 'kept')[] = [];
  for await (const e of exportRecords(items, cfg) as AsyncIterable<ExportEvent>) {
    if (e.kind === 'line') out.push('kept');
    else if (e.kind === 'reject') out.push(e.reject);
  }
  expect(out).toHaveLength(items.length);
  return out;
}

const similarityOf = (r: RejectEntry) => Number(/similarity ([\d.]+)/.exec(r.message)?.[1]);

describe('near dedup (dedup.near)', () => {
  it('judges a sample only against kept ones and reports the exact similarity to the kept sample it names', async () => {
    // 200 words; B = A with 2 words replaced, C = B with 2 other words replaced: J(A,B) = J(B,C) = 0.90, J(A,C) = 0.81.
    let seed = 3;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const a = Array.from({ length: 200 }, () => `w${Math.floor(rand() * 5000)}`);
    const b = [...a];
    b[30] = 'bone';
    b[80] = 'btwo';
    const c = [...b];
    c[130] = 'cone';
    c[170] = 'ctwo';
    const records = [a, b, c].map((w) => ({ instruction: w.join(' '), output: 'Die Antwort steht im Text.' }));
    const text = (i: number) => `${records[i]!.instruction}\n${records[i]!.output}`;
    expect(jaccard(text(0), text(1))).toBeGreaterThan(0.9);
    expect(jaccard(text(1), text(2))).toBeGreaterThan(0.9);
    expect(jaccard(text(0), text(2))).toBeLessThan(0.82);

    const got = await outcomes(records.map((record, i) => ({ ref: `r:${i + 1}`, record })), config({ dedup: { near: true } }));
    // B was dropped, so C is compared with A (0.81 < 0.85): kept, not "a near duplicate of A" through B.
    expect(got.map((o) => (o === 'kept' ? o : `${o.ref} ${o.code} of ${o.duplicate_of}`))).toEqual([
      'kept',
      'r:2 near_duplicate of r:1',
      'kept',
    ]);
    const rejectB = got[1] as RejectEntry;
    expect(rejectB).toMatchObject({ ref: 'r:2', code: 'near_duplicate', duplicate_of: 'r:1' });
    expect(rejectB.message).toBe(`near duplicate (similarity ${jaccard(text(0), text(1)).toFixed(3)}) of an earlier sample`);
  });

  it('compares every turn of a conversation, not only the user turns and the last answer', async () => {
    const answer = (topic: string) =>
      `The ${topic} rules say that an operator must file the permit application with the authority before the deadline and attach an expert opinion.`;
    const conversation = (middle: string) => ({
      messages: [
        { role: 'user', content: 'Which rules apply to my installation?' },
        { role: 'assistant', content: answer(middle) },
        { role: 'user', content: 'Thanks!' },
        { role: 'assistant', content: 'You are welcome.' },
      ],
    });
    const items = [conversation('emission'), conversation('water protection'), conversation('emission')].map((record, i) => ({ ref: `c:${i + 1}`, record }));
    const got = await outcomes(items, config({ style: 'chat', dedup: { exact: false, near: true } }));
    // Before, the compared text was "Which rules…\nThanks!\nYou are welcome." for all three: the second was dropped
    // with similarity 1.000 although its answer differs.
    expect(got.map((o) => (o === 'kept' ? o : `${o.ref} ${o.code} of ${o.duplicate_of}`))).toEqual(['kept', 'kept', 'c:3 near_duplicate of c:1']);
  });

  const datasets = sharedPath('datasets/instruction');
  it.skipIf(datasets === undefined)('FastChat conversations: every near duplicate is one over all its turns', async () => {
    const path = join(datasets as string, 'lm-sys__FastChat__dummy_conversation.json');
    const items: SourceItem[] = [];
    for await (const item of (await openSource({ type: 'json', path })).items()) items.push(item);
    expect(items).toHaveLength(500);
    const got = await outcomes(items, config({ style: 'sharegpt', field_mapping: { messages_field: 'conversations' }, dedup: { exact: false, near: true } }));
    const text = (i: number) => ((items[i]?.record as { conversations: { value: string }[] }).conversations.map((t) => t.value).join('\n'));
    const index = new Map(items.map((item, i) => [item.ref, i]));
    const near = got.flatMap((o, i) => (o !== 'kept' && o.code === 'near_duplicate' ? [{ reject: o, i }] : []));
    // Before: 232 of 500, 230 of them "similarity 1.000" with different assistant turns.
    expect(near.length).toBeGreaterThan(0);
    expect(near.length).toBeLessThan(30);
    for (const { reject, i } of near) {
      const exact = jaccard(text(i), text(index.get(reject.duplicate_of ?? '')!));
      expect(exact).toBeGreaterThanOrEqual(0.85);
      expect(similarityOf(reject)).toBe(Number(exact.toFixed(3)));
    }
  });


  it.skipIf(datasets === undefined)('German QA CSV: every near duplicate names a kept record with exact similarity >= 0.85', async () => {
    const path = join(datasets as string, 'LEL-A__EuroInstructProject__InstructGermanDPR_v1_test.csv');
    const items: SourceItem[] = [];
    for await (const item of (await openSource({ type: 'csv', path })).items()) items.push(item);
    expect(items).toHaveLength(2050);
    const cfg = config({
      field_mapping: { instruction_field: 'input', input_field: 'none' },
      dedup: { near: true, near_threshold: 0.85 },
    });
    const got = await outcomes(items, cfg);
    const index = new Map(items.map((item, i) => [item.ref, i]));
    const text = (i: number) => {
      const r = (items[i] as { record: Record<string, string> }).record;
      return `${r.input}\n${r.output}`;
    };
    const near = got.flatMap((o, i) => (o !== 'kept' && o.code === 'near_duplicate' ? [{ reject: o, i }] : []));
    expect(near.length).toBeGreaterThan(0);
    for (const { reject, i } of near) {
      const j = index.get(reject.duplicate_of ?? '')!;
      expect(j).toBeLessThan(i);
      expect(got[j]).toBe('kept');
      const exact = jaccard(text(i), text(j));
      expect(exact).toBeGreaterThanOrEqual(0.85);
      expect(similarityOf(reject)).toBe(Number(exact.toFixed(3)));
    }
  });
});
