import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from './export-config.js';
import { mergePartitions } from './merge-partitions.js';
import { runExport } from './run-export.js';

/** runExport, asserting the invariant every run keeps: read = exported + rejected, splits adding up. */
async function run(...args: Parameters<typeof runExport>) {
  const result = await runExport(...args);
  expect(result.stats.read).toBe(result.stats.exported + result.stats.rejected);
  expect(Object.values(result.stats.exportedBySplit).reduce((a, b) => a + b, 0)).toBe(result.stats.exported);
  return result;
}

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lorakit-merge-'));
  const lines = Array.from({ length: 120 }, (_, i) =>
    JSON.stringify({ id: `r${i}`, instruction: `Question ${i}?`, output: `Answer ${i} in a few words.` }),
  );
  await writeFile(join(work, 'in.jsonl'), `${lines.join('\n')}\n{broken\n`);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function config(index: number, count: number, over: Partial<ExportConfigInput> = {}) {
  return parseExportConfig({
    source: { type: 'jsonl', path: 'in.jsonl' },
    split: { validation: 0.25, id_field: 'id' },
    partition: { index, count },
    output: { dir: `part-${index}` },
    adapter_metadata: { base_model: 'mistralai/Mistral-7B-v0.1' },
    ...over,
  });
}

describe('mergePartitions', () => {
  it('stops on its abort signal, leaving the previous output and no temporary directory', async () => {
    for (let i = 0; i < 2; i++) await run(config(i, 2), { cwd: work });
    const dirs = [0, 1].map((i) => join(work, `part-${i}`));
    await mergePartitions(dirs, join(work, 'merged'));
    const before = await readFile(join(work, 'merged', 'manifest.json'), 'utf8');
    const controller = new AbortController();
    controller.abort();
    await expect(mergePartitions(dirs, join(work, 'merged'), { signal: controller.signal })).rejects.toMatchObject({ code: 'EXPORT_ABORTED' });
    expect(await readFile(join(work, 'merged', 'manifest.json'), 'utf8')).toBe(before);
    expect((await readdir(work)).filter((name) => name.includes('.tmp-') || name.includes('.old-'))).toEqual([]);
  });

  it('names samples of a source without lines by their position in it, the same in a single run, a partition and a merge', async () => {
    // A JSON array: before, its report lines were positions among each run's exported samples, so a merged
    // report counted the largest partition's samples as its lines, and example lines led to no record.
    const records = Array.from({ length: 30 }, (_, i) => ({
      id: `r${i}`,
      instruction: `Question ${i}?`,
      output: i === 23 ? 'Write to anna.schmidt@example.org for the answer.' : `Answer ${i} in a few words.`,
    }));
    records[4] = { id: 'r4', instruction: 'No answer here', output: '' };
    await writeFile(join(work, 'in.json'), JSON.stringify(records));
    const over = { source: { type: 'json' as const, path: 'in.json' }, quality_metrics: { sample_rate: 1 } };
    const single = await run(parseExportConfig({ ...config(0, 1, over), output: { dir: 'single' } }), { cwd: work });
    for (let i = 0; i < 3; i++) await run(config(i, 3, over), { cwd: work });
    const merged = await mergePartitions([0, 1, 2].map((i) => join(work, `part-${i}`)), join(work, 'merged'));
    const emailLines = (report: typeof merged.report) => report?.pii.byType.find((t) => t.type === 'email')?.lines;
    expect(emailLines(single.report)).toEqual([24]);
    expect(emailLines(merged.report)).toEqual([24]);
    expect(single.report?.counts.lines).toBe(30);
    expect(merged.report?.counts.lines).toBe(30);
  });

  it('combines partitioned runs into one manifest, summed stats and one quality report', async () => {
    const single = await run(parseExportConfig({ ...config(0, 1), output: { dir: 'single' } }), { cwd: work });
    for (let i = 0; i < 3; i++) await run(config(i, 3), { cwd: work });
    const merged = await mergePartitions([0, 1, 2].map((i) => join(work, `part-${i}`)), join(work, 'merged'));

    expect(merged.stats.read).toBe(single.stats.read);
    expect(merged.stats.exported).toBe(single.stats.exported);
    expect(merged.stats.rejected).toBe(single.stats.rejected);
    expect(merged.stats.exportedBySplit).toEqual(single.stats.exportedBySplit);
    expect(merged.manifest.files.filter((f) => f.split === 'train').map((f) => f.path).sort()).toEqual(
      ['../part-0/train.jsonl', '../part-1/train.jsonl', '../part-2/train.jsonl'],
    );
    const report = JSON.parse(await readFile(join(work, 'merged', 'quality_report.json'), 'utf8'));
    expect(report.counts.samples).toBe(single.stats.exported);
    expect(report.funnel).toEqual(single.report?.funnel);
    const meta = JSON.parse(await readFile(join(work, 'merged', 'adapter_metadata.json'), 'utf8'));
    expect(meta.training.num_samples).toBe(single.stats.exportedBySplit['train']);
  });

  it('judges quality gates on the merged report, not on a partition\'s share', async () => {
    const gates = { quality_metrics: { gates: ['samples >= 100'] } };
    for (let i = 0; i < 3; i++) {
      const part = await run(config(i, 3, gates), { cwd: work });
      // About 40 samples each: judged alone, every partition failed a gate the whole passes.
      expect(part.gates).toBeUndefined();
      expect(part.warnings).toContain(
        `quality_metrics.gates are not judged on partition ${i}/3, which holds a share of the dataset: \`lorakit export merge\` (mergePartitions) judges them on the whole`,
      );
    }
    const merged = await mergePartitions([0, 1, 2].map((i) => join(work, `part-${i}`)), join(work, 'merged'));
    expect(merged.gates).toEqual({ passed: true, failed: [], results: [expect.objectContaining({ gate: 'samples >= 100', passed: true, actual: 120 })] });
  });

  it('warns of exact duplicates across partitions, which no partition could see', async () => {
    // Every record twice, under two ids: the copies mostly fall into other partitions than their originals.
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `d${i}`, instruction: `Question ${i % 20}?`, output: `Answer ${i % 20}.` }));
    await writeFile(join(work, 'dup.jsonl'), `${lines.join('\n')}\n`);
    const source = { source: { type: 'jsonl' as const, path: 'dup.jsonl' } };
    const single = await run(parseExportConfig({ ...config(0, 1, source), output: { dir: 'single' } }), { cwd: work });
    for (let i = 0; i < 2; i++) await run(config(i, 2, source), { cwd: work });
    const merged = await mergePartitions([0, 1].map((i) => join(work, `part-${i}`)), join(work, 'merged'));
    const across = merged.stats.exported - single.stats.exported;
    expect(across).toBeGreaterThan(0);
    expect(merged.report?.exactDuplicates.duplicates).toBe(across);
    expect(merged.warnings).toContain(
      `the merged data holds ${across} exact duplicates across partitions (each partition dedups only its own records; the quality report lists the lines): set split.id_field to a content-derived id, or dedup the merged files`,
    );
  });

  it('says which trainer configs it could not write, as each partition did', async () => {
    for (let i = 0; i < 2; i++) await run(config(i, 2, { output: { dir: `part-${i}`, compression: 'gzip' } }), { cwd: work });
    const merged = await mergePartitions([0, 1].map((i) => join(work, `part-${i}`)), join(work, 'merged'));
    expect(merged.warnings).toEqual(['dataset_info.json is not written: LLaMA-Factory does not read gzip files; export with output.compression none for it']);
    expect(existsSync(join(work, 'merged', 'dataset_info.json'))).toBe(false);
    // The lock it held while writing is gone.
    expect(existsSync(join(work, 'merged.lock'))).toBe(false);
  });

  it('hashes the config alike in any order, from any directories, and as one run with the same settings', async () => {
    for (let i = 0; i < 2; i++) await run(config(i, 2, { output: { dir: i === 0 ? 'first' : 'elsewhere' } }), { cwd: work });
    const dirs = ['first', 'elsewhere'].map((d) => join(work, d));
    const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { config_sha256: string; config: { output: { dir: string } } };
    await mergePartitions(dirs, join(work, 'ab'));
    await mergePartitions([...dirs].reverse(), join(work, 'ba'));
    const single = await run(parseExportConfig({ ...config(0, 1), partition: undefined, output: { dir: 'single' } }), { cwd: work });
    const [ab, ba] = [await manifestOf(join(work, 'ab')), await manifestOf(join(work, 'ba'))];
    // Before, the first partition's output.dir was in the hash: each order hashed differently, and neither as one run.
    expect(ba.config_sha256).toBe(ab.config_sha256);
    expect(ab.config_sha256).toBe(single.metadata?.provenance.export_config_sha256);
    expect(ab.config.output.dir).toBe(join(work, 'ab'));
  });

  it('warns when partitions weighed freshness from different times', async () => {
    // weighting.now unset: each partition weighs from its own start.
    for (let i = 0; i < 2; i++) {
      await run(config(i, 2, { weighting: { timestamp_field: 'ts' } }), { cwd: work });
      await new Promise((r) => setTimeout(r, 5));
    }
    const merged = await mergePartitions([0, 1].map((i) => join(work, `part-${i}`)), join(work, 'merged'));
    // Before, the merged manifest silently went without weighting_now.
    expect(merged.warnings).toContainEqual(expect.stringMatching(/^the partitions weighed freshness from different times \(\d{4}-.*Z, \d{4}-.*Z\): their weights are not comparable/));
  });

  it('refuses an incomplete or repeated set of partitions', async () => {
    for (let i = 0; i < 2; i++) await run(config(i, 3), { cwd: work });
    const dirs = [0, 1].map((i) => join(work, `part-${i}`));
    await expect(mergePartitions(dirs, join(work, 'merged'))).rejects.toMatchObject({
      code: 'EXPORT_MERGE_INVALID',
      message: expect.stringContaining('partition 2 of 3 is missing'),
    });
    await expect(mergePartitions([dirs[0] as string, dirs[0] as string], join(work, 'merged'))).rejects.toMatchObject({
      code: 'EXPORT_MERGE_INVALID',
    });
  });

  it('merges partitions run with different thread counts (the output does not depend on them)', async () => {
    const a = await run(config(0, 2, { worker_threads: 0, quality_metrics: { worker_threads: 0 } }), { cwd: work });
    const b = await run(config(1, 2, { worker_threads: 2 }), { cwd: work });
    // Nor does the config hash: the same partition again with other thread counts.
    const again = await run(config(0, 2, { worker_threads: 3, output: { dir: 'part-0', overwrite: true } }), { cwd: work });
    expect(again.metadata?.provenance.export_config_sha256).toBe(a.metadata?.provenance.export_config_sha256);
    const merged = await mergePartitions([join(work, 'part-0'), join(work, 'part-1')], join(work, 'merged'));
    expect(merged.stats.read).toBe(a.stats.read + b.stats.read);
  });

  it('refuses a partition whose files changed after the export, naming the file', async () => {
    for (let i = 0; i < 2; i++) await run(config(i, 2), { cwd: work });
    const dirs = [0, 1].map((i) => join(work, `part-${i}`));
    const train = join(work, 'part-0', 'train.jsonl');
    const original = await readFile(train);
    await appendFile(train, '{"instruction":"smuggled","output":"in"}\n');
    await expect(mergePartitions(dirs, join(work, 'merged'))).rejects.toMatchObject({
      code: 'EXPORT_MERGE_INVALID',
      message: expect.stringContaining(`${train} changed after the export`),
    });
    // Same size, other bytes.
    await writeFile(train, Buffer.from(original).fill(0x20, 0, 1));
    await expect(mergePartitions(dirs, join(work, 'merged'))).rejects.toMatchObject({ message: expect.stringContaining(train) });
    await rm(join(work, 'part-1', 'rejects.jsonl'));
    await writeFile(train, original);
    await expect(mergePartitions(dirs, join(work, 'merged'))).rejects.toMatchObject({
      code: 'EXPORT_MERGE_INVALID',
      message: expect.stringContaining(join(work, 'part-1', 'rejects.jsonl')),
    });
    expect(existsSync(join(work, 'merged'))).toBe(false);
  });

  it('merges partitions whose machines spelt the input path differently', async () => {
    await run(config(0, 2), { cwd: work });
    await run(config(1, 2, { source: { type: 'jsonl', path: join(work, 'in.jsonl') } }), { cwd: work });
    const merged = await mergePartitions([join(work, 'part-0'), join(work, 'part-1')], join(work, 'merged'));
    expect(merged.stats.read).toBe(121);
  });

  it('refuses partitions exported with different settings', async () => {
    await run(config(0, 2), { cwd: work });
    await run(config(1, 2, { style: 'completion', field_mapping: { prompt_field: 'instruction', completion_field: 'output' } }), {
      cwd: work,
    });
    await expect(mergePartitions([join(work, 'part-0'), join(work, 'part-1')], join(work, 'merged'))).rejects.toMatchObject({
      code: 'EXPORT_MERGE_INVALID',
      message: expect.stringContaining('different config than'),
    });
    // The message names what differs (before: only "exported with a different config").
    await run(config(1, 2, { split: { validation: 0.2, seed: 8, id_field: 'id' } }), { cwd: work });
    await expect(mergePartitions([join(work, 'part-0'), join(work, 'part-1')], join(work, 'merged'))).rejects.toMatchObject({
      message: expect.stringMatching(/\(split\.validation, split\.seed differ\)$/),
    });
  });

  it('refuses a partition that read another input of the same name, or the input after it changed', async () => {
    await run(config(0, 2), { cwd: work });
    // Before: merged with the records of the real partition 1 missing, and no word of it.
    await mkdir(join(work, 'other'));
    await writeFile(join(work, 'other', 'in.jsonl'), '{"id": "x1", "instruction": "q", "output": "a long enough answer"}\n');
    await run(config(1, 2, { source: { type: 'jsonl', path: join(work, 'other', 'in.jsonl') } }), { cwd: work });
    await expect(mergePartitions([join(work, 'part-0'), join(work, 'part-1')], join(work, 'merged'))).rejects.toMatchObject({
      code: 'EXPORT_MERGE_INVALID',
      message: expect.stringContaining('the partitions read different inputs, or the input changed between runs'),
    });
    await appendFile(join(work, 'in.jsonl'), '\n');
    await run(config(1, 2), { cwd: work });
    await expect(mergePartitions([join(work, 'part-0'), join(work, 'part-1')], join(work, 'merged'))).rejects.toMatchObject({
      message: expect.stringMatching(/read an input of 121 records and 1 blank lines, .* one of 121 and 0/),
    });
  });

  it('never replaces a directory holding the partitions, nor one that is not an export', async () => {
    for (let i = 0; i < 2; i++) await run(config(i, 2), { cwd: work });
    const dirs = [0, 1].map((i) => join(work, `part-${i}`));
    for (const out of [work, dirs[0] as string]) {
      await expect(mergePartitions(dirs, out)).rejects.toMatchObject({
        code: 'EXPORT_OUTPUT_EXISTS',
        message: expect.stringContaining('holds the input'),
      });
    }
    await mkdir(join(work, 'notes'));
    await writeFile(join(work, 'notes', 'todo.txt'), 'x');
    await expect(mergePartitions(dirs, join(work, 'notes'))).rejects.toMatchObject({ code: 'EXPORT_OUTPUT_EXISTS' });
    expect(await readFile(join(work, 'notes', 'todo.txt'), 'utf8')).toBe('x');
    expect(await readFile(join(work, 'part-0', 'manifest.json'), 'utf8')).toContain('lorakit-export-manifest');
  });
});
