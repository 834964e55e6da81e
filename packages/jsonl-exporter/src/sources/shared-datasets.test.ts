import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../../tools/test-env.mjs';
import { compileFilter } from '../select/compile-filter.js';
import { openSource } from './open-source.js';
import type { SourceConfigInput } from './source-config.js';
import type { SourceItem } from './source.js';

const dir = sharedPath('datasets/instruction');

async function read(config: SourceConfigInput): Promise<SourceItem[]> {
  return (await readWithStats(config)).items;
}

async function readWithStats(config: SourceConfigInput): Promise<{ items: SourceItem[]; blankLines: number }> {
  const source = await openSource(config, { cwd: dir as string });
  const items: SourceItem[] = [];
  try {
    for await (const item of source.items()) items.push(item);
    return { items, blankLines: source.stats().blankLines };
  } finally {
    await source.close();
  }
}

// Record counts as listed in ../shared/datasets/SOURCES.md (parsed there with Python's json and csv modules).
describe.skipIf(dir === undefined)('real datasets from ../shared', () => {
  it('reads the German CSV with multi-line quoted fields: every row, each ref on the line its record starts', async () => {
    const file = 'LEL-A__EuroInstructProject__InstructGermanDPR_v1_test.csv';
    const { items, blankLines } = await readWithStats({ type: 'csv', path: file });
    expect(items.filter((item) => item.issue !== undefined)).toEqual([]);
    // The file ends with a newline and has no blank row.
    expect(blankLines).toBe(0);
    expect(items).toHaveLength(2050);
    const lines = readFileSync(join(dir as string, file), 'utf8').split('\n');
    for (const item of items) {
      const record = item.record as Record<string, string>;
      expect(Object.keys(record)).toEqual(['input', 'output', 'uuid']);
      // The physical line named by the ref is where the record's first field begins.
      const first = record['input']?.split('\n')[0] ?? '';
      expect(lines[(item.line as number) - 1]?.replace(/^"/, '').startsWith(first.replaceAll('"', '""'))).toBe(true);
    }
    expect(items[0]?.ref).toBe(`${file}:2`);
    expect(items.filter((item) => compileFilter('input contains "Alpen"')(item.record ?? {})).length).toBeGreaterThan(0);
  });

  it('reads the JSONL and JSON array files with the documented record counts', async () => {
    const counts: [SourceConfigInput, number][] = [
      [{ type: 'jsonl', path: 'yizhongw__self-instruct__seed_tasks.jsonl' }, 175],
      [{ type: 'jsonl', path: 'yizhongw__self-instruct__davinci-self-instruct_predictions.jsonl' }, 252],
      [{ type: 'jsonl', path: 'openai__openai-cookbook__toy_chat_fine_tuning.jsonl' }, 5],
      [{ type: 'json', path: 'lm-sys__FastChat__dummy_conversation.json' }, 500],
      [{ type: 'json', path: 'hiyouga__LLaMA-Factory__identity.json' }, 91],
    ];
    for (const [config, count] of counts) {
      const items = await read(config);
      expect(items.filter((item) => item.record !== undefined), JSON.stringify(config)).toHaveLength(count);
      expect(new Set(items.map((item) => item.ref)).size).toBe(items.length);
    }
    const seeds = await read({ type: 'jsonl', path: 'yizhongw__self-instruct__seed_tasks.jsonl' });
    const classification = compileFilter('is_classification == true and instances.0.input != ""');
    expect(seeds.filter((item) => classification(item.record ?? {})).length).toBeGreaterThan(0);
  });
});
