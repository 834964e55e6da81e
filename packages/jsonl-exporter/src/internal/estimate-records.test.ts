import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExportConfig } from '../export-config.js';
import { SourceConfigSchema } from '../sources/source-config.js';
import { runExport } from '../run-export.js';
import { AUTO_SAMPLE_TARGET, autoSampleRate, estimateRecords, expectedRecords } from './estimate-records.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lorakit-estimate-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const line = (i: number) => JSON.stringify({ instruction: `Question ${i} about ${'x'.repeat(i % 40)}?`, output: `Answer ${i}: it depends on the facts of the case.` });

async function jsonl(name: string, n: number, gzip = false): Promise<string> {
  const text = `${Array.from({ length: n }, (_, i) => line(i)).join('\n')}\n`;
  const path = join(work, name);
  await writeFile(path, gzip ? gzipSync(text) : text);
  return path;
}

describe('estimateRecords', () => {
  it('counts a small file exactly and estimates a large one from its first 64 KiB', async () => {
    expect(await estimateRecords({ type: 'jsonl', path: await jsonl('small.jsonl', 300), compression: 'auto' }, work)).toBe(300);
    const big = await estimateRecords({ type: 'jsonl', path: await jsonl('big.jsonl', 50_000), compression: 'auto' }, work);
    expect(big).toBeGreaterThan(45_000);
    expect(big).toBeLessThan(55_000);
  });

  it('counts CSV rows, not lines, when quoted fields span lines', async () => {
    const row = (i: number) => `${i},"Frage ${i}?","Antwort ${i}:\nerster Absatz, ""zitiert"".\n\nZweiter Absatz."\n`;
    const text = (n: number) => `id,question,answer\n${Array.from({ length: n }, (_, i) => row(i)).join('')}`;
    await writeFile(join(work, 'small.csv'), text(300));
    // The header is a row end too: 301, as for JSONL's lines.
    expect(await estimateRecords(SourceConfigSchema.parse({ type: 'csv', path: 'small.csv' }), work)).toBe(301);
    await writeFile(join(work, 'big.csv'), text(20_000));
    // Before: ~80,000 (every line), so the report measured a quarter of the samples it should.
    const big = await estimateRecords(SourceConfigSchema.parse({ type: 'csv', path: 'big.csv' }), work);
    expect(big).toBeGreaterThan(18_000);
    expect(big).toBeLessThan(22_000);
  });

  it('says nothing where the size cannot be told cheaply', async () => {
    expect(await estimateRecords({ type: 'jsonl', path: await jsonl('c.jsonl.gz', 300, true), compression: 'auto' }, work)).toBeUndefined();
    expect(await estimateRecords({ type: 'jsonl', path: join(work, 'missing.jsonl'), compression: 'auto' }, work)).toBeUndefined();
    expect(await estimateRecords({ type: 'stdin', format: 'jsonl', compression: 'auto' } as never, work)).toBeUndefined();
  });
});

describe('autoSampleRate', () => {
  it('measures everything up to the target, then about the target, unless a rate is configured', () => {
    expect(autoSampleRate(undefined, undefined)).toBe(1);
    expect(autoSampleRate(undefined, AUTO_SAMPLE_TARGET)).toBe(1);
    expect(autoSampleRate(undefined, 100_000)).toBeCloseTo(0.02);
    expect(autoSampleRate(0.5, 100_000)).toBe(0.5);
    expect(autoSampleRate(1, 10_000_000)).toBe(1);
  });
});

describe('estimateRecords on uneven files', () => {
  it('takes the lowest density of its probes, so short first lines do not multiply the count', async () => {
    const short = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i }));
    const long = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, text: 'x'.repeat(10_000) }));
    const path = join(work, 'uneven.jsonl');
    await writeFile(path, `${[...short, ...long].join('\n')}\n`);
    const estimate = (await estimateRecords({ type: 'jsonl', path, compression: 'auto' }, work)) as number;
    // 2,300 records; the first 64 KiB alone (all short lines) said ~330,000.
    expect(estimate).toBeGreaterThan(150);
    expect(estimate).toBeLessThan(2 * 2300);
  });
});

describe('expectedRecords', () => {
  const config = (over: Record<string, unknown> = {}) => parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' }, output: { dir: 'out' }, ...over });

  it("sizes the tables for this partition's share of the estimate, up to a cap", () => {
    expect(expectedRecords(config(), 100_000)).toBe(100_000);
    expect(expectedRecords(config({ partition: { index: 1, count: 3 } }), 100_000)).toBe(33_334);
    expect(expectedRecords(config(), 1e9)).toBe(1 << 22);
    expect(expectedRecords(config(), undefined)).toBeUndefined();
  });

  it('sizes nothing up front behind a filter, which may keep any share of the records', () => {
    expect(expectedRecords(config({ filter: 'theme == "Umweltrecht"' }), 100_000)).toBeUndefined();
    expect(expectedRecords(config({ filter: '  ' }), 100_000)).toBe(100_000);
  });
});

describe('the report of an export', () => {
  it('measures content metrics on about 2,000 samples of a larger file, and on every sample when asked', async () => {
    const path = await jsonl('export.jsonl', 5000);
    const config = (over: Record<string, unknown>) =>
      parseExportConfig({ source: { type: 'jsonl', path }, style: 'instruction', output: { dir: join(work, `out-${Math.random()}`) }, ...over });
    const sampled = await runExport(config({}), { cwd: work });
    const sampling = sampled.report?.sampling;
    // The rate comes from an estimate of the record count (within a few per cent here).
    expect(sampling?.rate).toBeCloseTo(AUTO_SAMPLE_TARGET / 5000, 1);
    // Binomial(5000, ~0.4): mean ~2000, sd ~35.
    expect(sampling?.measured).toBeGreaterThan(1800);
    expect(sampling?.measured).toBeLessThan(2200);
    expect(sampled.report?.counts.valid).toBe(5000);
    const full = await runExport(config({ quality_metrics: { sample_rate: 1 } }), { cwd: work });
    expect(full.report?.sampling).toEqual({ rate: 1, measured: 5000 });
    // Exact-tier numbers do not depend on the sample.
    expect(sampled.report?.lengths.response.chars).toEqual(full.report?.lengths.response.chars);
  }, 60_000);
});
