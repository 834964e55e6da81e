import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tools/test-env.mjs';
import { parseExportConfig } from './export-config.js';
import type { RejectEntry } from './export-stats.js';
import { guessExportConfig } from './guess-export-config.js';
import { runExport } from './run-export.js';

/** runExport, asserting the invariant every run keeps: read = exported + rejected, splits adding up. */
async function run(...args: Parameters<typeof runExport>) {
  const result = await runExport(...args);
  expect(result.stats.read).toBe(result.stats.exported + result.stats.rejected);
  expect(Object.values(result.stats.exportedBySplit).reduce((a, b) => a + b, 0)).toBe(result.stats.exported);
  return result;
}

const datasets = sharedPath('datasets/instruction');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lorakit-real-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function rejectsOf(dir: string): Promise<RejectEntry[]> {
  const text = await readFile(join(dir, 'rejects.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RejectEntry);
}

describe.skipIf(datasets === undefined)('real datasets from ../shared', () => {
  it('OpenAI cookbook toy set: the record without a user turn and the 26k-character reply are rejected', async () => {
    const config = parseExportConfig({
      source: { type: 'jsonl', path: join(datasets as string, 'openai__openai-cookbook__toy_chat_fine_tuning.jsonl') },
      style: 'openai',
      quality: { max_text_length: 4000 },
      split: { validation: 0 },
      output: { dir: join(work, 'openai') },
    });
    const { stats } = await run(config);
    expect(stats).toMatchObject({ read: 5, exported: 3, rejected: 2 });
    const rejects = await rejectsOf(join(work, 'openai'));
    expect(rejects.map((r) => [r.line, r.stage, r.code])).toEqual([
      [4, 'map', 'missing_turn'],
      [5, 'filter', 'too_long'],
    ]);
    const lines = (await readFile(join(work, 'openai', 'train.jsonl'), 'utf8')).split('\n').filter(Boolean);
    // OpenAI lines carry messages only.
    for (const line of lines) expect(Object.keys(JSON.parse(line) as object)).toEqual(['messages']);
  });

  it('FastChat ShareGPT array: near duplicates go to rejects pointing at an exported record', async () => {
    const config = parseExportConfig({
      source: { type: 'json', path: join(datasets as string, 'lm-sys__FastChat__dummy_conversation.json') },
      style: 'sharegpt',
      field_mapping: { messages_field: 'conversations' },
      dedup: { near: true },
      split: { validation: 0.1, id_field: 'id' },
      output: { dir: join(work, 'sharegpt') },
    });
    const { stats } = await run(config);
    expect(stats.read).toBe(500);
    expect(stats.read).toBe(stats.exported + stats.rejected);
    const rejects = await rejectsOf(join(work, 'sharegpt'));
    const dups = rejects.filter((r) => r.stage === 'dedup');
    expect(dups.length).toBe(stats.duplicates);
    expect(dups.length).toBeGreaterThan(0);
    const rejectedRefs = new Set(rejects.map((r) => r.ref));
    for (const d of dups) expect(rejectedRefs.has(d.duplicate_of ?? '')).toBe(false);
  });

  it('German CSV: the guessed mapping exports every row, umlauts intact, split by uuid', async () => {
    const path = join(datasets as string, 'LEL-A__EuroInstructProject__InstructGermanDPR_v1_test.csv');
    const { config: guessed, notes } = guessExportConfig(
      [{ input: 'Frage?', output: 'Antwort.', uuid: 'a' }],
      { source: { type: 'csv', path } },
    );
    expect(notes.join('\n')).toContain('instruction from `input`');
    const config = parseExportConfig({ ...guessed, output: { dir: join(work, 'csv') } });
    const { stats } = await run(config);
    expect(stats.read).toBe(2050);
    expect(stats.read).toBe(stats.exported + stats.rejected);
    const first = JSON.parse((await readFile(join(work, 'csv', 'train.jsonl'), 'utf8')).split('\n')[0] ?? '{}') as Record<string, string>;
    expect(Object.keys(first).slice(0, 3)).toEqual(['instruction', 'input', 'output']);
    expect(first['input']).toBe('');
    const all = await readFile(join(work, 'csv', 'train.jsonl'), 'utf8');
    expect(all).toMatch(/[äöüß]/);
  });
});
