import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from './export-config.js';
import type { ExportStats, RejectEntry } from './export-stats.js';
import { runExport, type ExportProgress } from './run-export.js';

/** runExport, asserting the invariant every run keeps: read = exported + rejected, splits adding up. */
async function run(...args: Parameters<typeof runExport>) {
  const result = await runExport(...args);
  expect(result.stats.read).toBe(result.stats.exported + result.stats.rejected);
  expect(Object.values(result.stats.exportedBySplit).reduce((a, b) => a + b, 0)).toBe(result.stats.exported);
  return result;
}

let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lorakit-export-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function record(i: number, extra: Record<string, unknown> = {}) {
  return { id: `r${i}`, instruction: `Question number ${i}?`, output: `Answer number ${i}, with some words.`, ...extra };
}

async function writeJsonl(name: string, lines: (Record<string, unknown> | string)[]): Promise<string> {
  const path = join(work, name);
  await writeFile(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

function config(over: Partial<ExportConfigInput> = {}) {
  return parseExportConfig({
    source: { type: 'jsonl', path: 'in.jsonl' },
    output: { dir: 'out', ...over.output },
    ...over,
    ...(over.output ? { output: { dir: 'out', ...over.output } } : {}),
  });
}

async function readLines(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const line of createInterface({ input: createReadStream(path) })) out.push(line);
  return out;
}

function expectInvariant(stats: ExportStats) {
  expect(stats.read).toBe(stats.exported + stats.rejected);
  const bySplit = Object.values(stats.exportedBySplit).reduce((a, b) => a + b, 0);
  expect(bySplit).toBe(stats.exported);
}

describe('runExport', () => {
  it('writes every output file and accounts for every record', async () => {
    await writeJsonl('in.jsonl', [
      ...Array.from({ length: 40 }, (_, i) => record(i)),
      '{not json',
      record(1),
      { id: 'x', instruction: 'no output' },
    ]);
    await writeFile(join(work, 'in.jsonl'), `\n${await readFile(join(work, 'in.jsonl'), 'utf8')}\n`);
    const result = await run(config({ adapter_metadata: { base_model: 'mistralai/Mistral-7B-v0.1' } }), { cwd: work });
    const out = join(work, 'out');
    expect(result.outputDir).toBe(out);
    expectInvariant(result.stats);
    expect(result.stats.read).toBe(43);
    expect(result.stats.exported).toBe(40);
    expect(result.stats.blankLines).toBe(2);
    expect(result.stats.rejectedByCode).toEqual({ 'source/parse': 1, 'dedup/exact_duplicate': 1, 'map/missing_field': 1 });

    const names = (await readdir(out)).sort();
    expect(names).toEqual(
      [
        'README.md',
        'adapter_metadata.json',
        'axolotl.yaml',
        'dataset_info.json',
        'manifest.json',
        'quality_accumulator.json',
        'quality_report.html',
        'quality_report.json',
        'rejects.jsonl',
        'train.jsonl',
        'validation.jsonl',
      ].sort(),
    );
    const rejects = (await readLines(join(out, 'rejects.jsonl'))).map((l) => JSON.parse(l) as RejectEntry);
    expect(rejects.map((r) => [r.stage, r.code])).toEqual([
      ['source', 'parse'],
      ['dedup', 'exact_duplicate'],
      ['map', 'missing_field'],
    ]);
    expect(rejects[1]).toMatchObject({ ref: expect.stringContaining('in.jsonl:'), duplicate_of: expect.stringMatching(/in\.jsonl:3$/) });
    expect(rejects[2]?.record).toEqual({ id: 'x', instruction: 'no output' });

    const train = await readLines(join(out, 'train.jsonl'));
    const validation = await readLines(join(out, 'validation.jsonl'));
    expect(train.length + validation.length).toBe(40);
    expect(train.length).toBe(result.stats.exportedBySplit['train']);

    const meta = JSON.parse(await readFile(join(out, 'adapter_metadata.json'), 'utf8'));
    expect(meta.training.num_samples).toBe(train.length);
    // LoRA hyper-parameters nobody set: the model's defaults, which a warning names (before: written silently).
    expect(meta.training).toMatchObject({ lora_rank: 8, lora_alpha: 16, lora_dropout: 0.1 });
    expect(result.warnings).toContain(
      "adapter_metadata.json holds the metadata model's defaults lora_rank 8, lora_alpha 16, lora_dropout 0.1: set adapter_metadata.lora_rank, lora_alpha, lora_dropout to what the adapter is trained with, or replace the file after training (lorakit adapter from-peft)",
    );
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(meta.provenance.export_config_sha256).toBe(manifest.config_sha256);
    // No timestamp_field: weights do not depend on the time of the run.
    expect(manifest).not.toHaveProperty('weighting_now');
    expect(meta.provenance.datasets.map((d: { path: string }) => d.path).sort()).toEqual(['train.jsonl', 'validation.jsonl']);
    const trainEntry = result.files.find((f) => f.split === 'train');
    expect(trainEntry?.records).toBe(train.length);
    expect(manifest.files.find((f: { path: string }) => f.path === 'train.jsonl').sha256).toBe(trainEntry?.sha256);

    const report = JSON.parse(await readFile(join(out, 'quality_report.json'), 'utf8'));
    expect(report.counts.samples).toBe(40);
    expect(report.funnel).toEqual([
      { stage: 'read', count: 43 },
      { stage: 'source', code: 'parse', count: 1 },
      { stage: 'map', code: 'missing_field', count: 1 },
      { stage: 'dedup', code: 'exact_duplicate', count: 1 },
      { stage: 'exported', count: 40 },
    ]);
    expect(await readFile(join(out, 'quality_report.html'), 'utf8')).toContain('<html');
  });

  it('writes the LoRA hyper-parameters of adapter_metadata into training, without a warning', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 3 }, (_, i) => record(i)));
    const lora = { lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05 };
    const result = await run(config({ adapter_metadata: { base_model: 'mistralai/Mistral-7B-v0.1', ...lora } }), { cwd: work });
    const meta = JSON.parse(await readFile(join(work, 'out', 'adapter_metadata.json'), 'utf8'));
    expect(meta.training).toMatchObject(lora);
    expect(result.warnings.filter((w) => w.includes('lora_'))).toEqual([]);
    expect(() => config({ adapter_metadata: { lora_dropout: 1 } })).toThrow(/adapter_metadata\.lora_dropout/);
    // An id that is no slug is written as one, and the run says so: clients select the adapter by that name.
    const renamed = await run(config({ adapter_metadata: { base_model: 'mistralai/Mistral-7B-v0.1', adapter_id: 'Legal QA', ...lora } }), { cwd: work });
    expect(JSON.parse(await readFile(join(work, 'out', 'adapter_metadata.json'), 'utf8')).adapter_id).toBe('legal-qa');
    expect(renamed.warnings).toContainEqual(expect.stringMatching(/^adapter_metadata\.adapter_id "Legal QA" is written as "legal-qa"/));
    expect(result.warnings.filter((w) => w.includes('adapter_id'))).toEqual([]);
  });

  it('records the freshness reference time in the manifest, with which a later run reproduces the weights', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 20 }, (_, i) => record(i, { at: new Date(Date.now() - i * 3_600_000).toISOString() })));
    // A half-life of ~1 s: the newest record's weight moves within milliseconds.
    const weighting = { timestamp_field: 'at', half_life_days: 0.00001 };
    await run(config({ weighting }), { cwd: work });
    const manifest = JSON.parse(await readFile(join(work, 'out', 'manifest.json'), 'utf8'));
    expect(Date.parse(manifest.weighting_now)).toBeLessThanOrEqual(Date.parse(manifest.created_at));
    const lines = async (dir: string) => [...(await readLines(join(work, dir, 'train.jsonl'))), ...(await readLines(join(work, dir, 'validation.jsonl')))];
    const before = await lines('out');
    await new Promise((r) => setTimeout(r, 50));
    await run(config({ weighting, output: { dir: 'later' } }), { cwd: work });
    expect(await lines('later')).not.toEqual(before);
    await run(config({ weighting: { ...weighting, now: manifest.weighting_now }, output: { dir: 'again' } }), { cwd: work });
    expect(await lines('again')).toEqual(before);
    const again = JSON.parse(await readFile(join(work, 'again', 'manifest.json'), 'utf8'));
    expect(again.weighting_now).toBe(manifest.weighting_now);
  });

  it('puts each record in the same split on a re-run and with a different input order', async () => {
    const records = Array.from({ length: 200 }, (_, i) => record(i));
    await writeJsonl('in.jsonl', records);
    const first = await run(config({ split: { validation: 0.2, id_field: 'id' } }), { cwd: work });
    const v1 = new Set((await readLines(join(work, 'out', 'validation.jsonl'))));
    await writeJsonl('in.jsonl', [...records].reverse());
    await run(config({ split: { validation: 0.2, id_field: 'id' } }), { cwd: work });
    const v2 = new Set((await readLines(join(work, 'out', 'validation.jsonl'))));
    expect(v2).toEqual(v1);
    const share = (first.stats.exportedBySplit['validation'] ?? 0) / 200;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.3);
  });

  it('reads a bare "false" CSV cell as false in filters, from a CSV file and from CSV on stdin alike', async () => {
    const csv = 'id,instruction,output,archived\n1,Q one?,Answer one.,false\n2,Q two?,Answer two.,TRUE\n3,Q three?,Answer three.,FALSE\n';
    await writeFile(join(work, 'in.csv'), csv);
    const exported = async (source: ExportConfigInput['source'], stdin?: NodeJS.ReadableStream) =>
      (await run(config({ source, filter: 'not archived', split: { validation: 0 } }), { cwd: work, ...(stdin ? { stdin } : {}) })).stats.exported;
    expect(await exported({ type: 'csv', path: 'in.csv' })).toBe(2);
    // CSV on stdin kept none: only the csv source type turned text cells on.
    expect(await exported({ type: 'stdin', format: 'csv' }, Readable.from([csv]))).toBe(2);
    // JSONL strings are strings: "false" is a non-empty one.
    await writeJsonl('in.jsonl', [record(1, { archived: 'false' }), record(2, { archived: false })]);
    expect(await exported({ type: 'jsonl', path: 'in.jsonl' })).toBe(1);
  });

  it('splits records whose id is empty by their position, not all into one split', async () => {
    // An empty CSV cell was hashed as the id "": all such records landed in the same split (60% validation for 20%).
    const records = Array.from({ length: 400 }, (_, i) => record(i, i % 2 === 0 ? { id: i % 4 === 0 ? '' : '  ' } : {}));
    await writeJsonl('in.jsonl', records);
    await run(config({ split: { validation: 0.2, id_field: 'id' }, dedup: { exact: false } }), { cwd: work });
    const blank = (lines: string[]) => lines.filter((l) => /number (\d*[02468])\b/.exec(l) !== null).length;
    const validation = blank(await readLines(join(work, 'out', 'validation.jsonl')));
    const train = blank(await readLines(join(work, 'out', 'train.jsonl')));
    expect(validation + train).toBe(200);
    expect(validation).toBeGreaterThan(15);
    expect(validation).toBeLessThan(70);
  });

  it('shards by records with names that carry the total, gzip with .gz and bytes that gunzip', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 25 }, (_, i) => record(i)));
    const result = await run(config({ split: { validation: 0 }, output: { shard_max_records: 10, compression: 'gzip' } }), {
      cwd: work,
    });
    const shards = result.files.filter((f) => f.split === 'train').map((f) => f.path.slice(f.path.lastIndexOf('/') + 1));
    expect(shards).toEqual(['train-00000-of-00003.jsonl.gz', 'train-00001-of-00003.jsonl.gz', 'train-00002-of-00003.jsonl.gz']);
    const counts = [];
    for (const f of result.files.filter((x) => x.split === 'train')) {
      const text = gunzipSync(await readFile(f.path)).toString('utf8');
      counts.push(text.split('\n').filter(Boolean).length);
    }
    expect(counts).toEqual([10, 10, 5]);
  });

  it('shards by bytes without exceeding the limit', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 30 }, (_, i) => record(i)));
    const result = await run(config({ split: { validation: 0 }, output: { shard_max_bytes: 600 } }), { cwd: work });
    const train = result.files.filter((f) => f.split === 'train');
    expect(train.length).toBeGreaterThan(3);
    for (const f of train) expect(f.bytes).toBeLessThanOrEqual(600);
    expect(train.reduce((n, f) => n + f.records, 0)).toBe(30);
  });

  it('writes zstd with a .zst extension and zstd magic bytes', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 5 }, (_, i) => record(i)));
    const result = await run(config({ split: { validation: 0 }, output: { compression: 'zstd' } }), { cwd: work });
    const train = result.files.find((f) => f.split === 'train');
    expect(train?.path.endsWith('train.jsonl.zst')).toBe(true);
    const bytes = await readFile(train?.path ?? '');
    expect([...bytes.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
  });

  it('zstd and gzip outputs read back through the jsonl source to the uncompressed bytes, multi-frame zstd included', async () => {
    // ~3 MB of output: the zstd writer emits one frame per MiB, so this reads back several frames.
    const long = 'lorem ipsum dolor sit amet '.repeat(20);
    await writeJsonl('in.jsonl', Array.from({ length: 5000 }, (_, i) => record(i, { output: `${i} ${long}` })));
    const noReport = { quality_metrics: { enabled: false } };
    const plain = await run(config({ ...noReport, split: { validation: 0 }, output: { dir: 'out-none' } }), { cwd: work });
    const expected = await readFile(plain.files[0]?.path ?? '', 'utf8');
    for (const compression of ['zstd', 'gzip'] as const) {
      const first = await run(config({ ...noReport, split: { validation: 0 }, output: { compression, dir: `out-${compression}` } }), {
        cwd: work,
      });
      const train = first.files.find((f) => f.split === 'train');
      expect(train?.bytes).toBeLessThan(Buffer.byteLength(expected) / 5);
      // Re-export the compressed file verbatim (custom style copying every key) and compare with the plain output.
      const again = await run(
        parseExportConfig({
          source: { type: 'jsonl', path: train?.path ?? '' },
          style: 'custom',
          format: { custom: { instruction: 'instruction', input: 'input', output: 'output', weight: 'weight' } },
          weighting: { enabled: false },
          output: { dir: `again-${compression}` },
          split: { validation: 0 },
          ...noReport,
        }),
        { cwd: work },
      );
      expect(again.stats).toMatchObject({ read: 5000, exported: 5000 });
      expect(await readFile(join(work, `again-${compression}`, 'train.jsonl'), 'utf8')).toBe(expected);
    }
  });

  it('shuffles deterministically by seed, independent of input order, keeping every line', async () => {
    const records = Array.from({ length: 300 }, (_, i) => record(i));
    await writeJsonl('in.jsonl', records);
    const shuffled = { split: { validation: 0, id_field: 'id', shuffle: true, shuffle_seed: 7, shuffle_buckets: 8 } };
    await run(config(shuffled), { cwd: work });
    const a = await readLines(join(work, 'out', 'train.jsonl'));
    await writeJsonl('in.jsonl', [...records].reverse());
    await run(config(shuffled), { cwd: work });
    const b = await readLines(join(work, 'out', 'train.jsonl'));
    expect(b).toEqual(a);
    expect(a.length).toBe(300);
    const inputOrder = records.map((r) => r.instruction);
    expect(a.map((l) => (JSON.parse(l) as { instruction: string }).instruction)).not.toEqual(inputOrder);
    expect(new Set(a.map((l) => (JSON.parse(l) as { instruction: string }).instruction))).toEqual(new Set(inputOrder));
    expect(await readdir(join(work, 'out'))).not.toContain('.shuffle-train');
  });

  it('shuffles into the same order with any number of buckets, spilling to them past ~4M characters', async () => {
    // ~6M characters of output: the lines spill to their bucket files at least once.
    const filler = 'x'.repeat(280);
    await writeJsonl('in.jsonl', Array.from({ length: 20_000 }, (_, i) => record(i, { output: `Answer ${i} ${filler}` })));
    const orders: string[] = [];
    for (const shuffle_buckets of [1, 64, 4096]) {
      const cfg = config({ split: { validation: 0, id_field: 'id', shuffle: true, shuffle_buckets }, quality_metrics: { enabled: false }, dedup: { exact: false } });
      const result = await run(cfg, { cwd: work });
      expect(result.stats.exported).toBe(20_000);
      orders.push(await readFile(join(work, 'out', 'train.jsonl'), 'utf8'));
    }
    // The order is the seeded hash's, whatever the bucket count: a bucket holds a range of it. Before, 4096 buckets
    // kept 4096 files open (EMFILE under a limit of 1024) with a 64K-character buffer each (441 MB peak RSS).
    expect(orders[1]).toBe(orders[0]);
    expect(orders[2]).toBe(orders[0]);
    expect(orders[0]?.split('\n')[0]).not.toContain('"Question number 0?"');
  });

  it('splits and partitions alike however the source path is spelt', async () => {
    await mkdir(join(work, 'data'));
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ instruction: `Question number ${i}?`, output: `Answer ${i}, in words.` }));
    await writeFile(join(work, 'data', 'pred.jsonl'), `${lines.join('\n')}\n{broken\n`);
    const spellings: [string, string][] = [
      ['data/pred.jsonl', work],
      ['./data/../data/pred.jsonl', work],
      [join(work, 'data', 'pred.jsonl'), work],
      ['pred.jsonl', join(work, 'data')],
    ];
    const outputs: string[] = [];
    for (const [i, [path, cwd]] of spellings.entries()) {
      for (const partition of [undefined, { index: 1, count: 3 }]) {
        const dir = join(work, `out-${i}-${partition ? 'p' : 'all'}`);
        await run(config({ source: { type: 'jsonl', path }, split: { validation: 0.3 }, output: { dir }, ...(partition ? { partition } : {}), worker_threads: i === 3 ? 1 : 0 }), { cwd });
        const files = await Promise.all(['train.jsonl', 'validation.jsonl'].map((f) => readFile(join(dir, f), 'utf8')));
        outputs.push(`${partition ? 'p' : 'all'}\n${files.join('--\n')}`);
        if (!partition) {
          // Rejects keep naming the file as it was given.
          const reject = JSON.parse(await readFile(join(dir, 'rejects.jsonl'), 'utf8')) as RejectEntry;
          expect(reject.ref).toBe(`${path.replace(/^\.\/data\/\.\.\//, '')}:201`);
        }
      }
    }
    expect(outputs[0]).toMatch(/--\n\{/); // a validation split is there to compare
    for (const [i, out] of outputs.entries()) expect(out).toBe(outputs[i % 2]);
  });

  it('maps a system column in dataset_info.json only when the exported lines have a system key', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 5 }, (_, i) => record(i)));
    for (const [style, fieldMapping, hasSystem] of [
      ['instruction', {}, false],
      ['sharegpt', {}, false],
      ['instruction', { system_prompt: 'You are a lawyer.' }, true],
      ['sharegpt', { system_prompt: 'You are a lawyer.' }, true],
      // A system field none of the records has: every line still carries the mapped column, empty.
      ['instruction', { system_field: 'persona' }, true],
    ] as const) {
      await run(config({ style, field_mapping: fieldMapping }), { cwd: work });
      const lines = (await readLines(join(work, 'out', 'train.jsonl'))).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.every((l) => 'system' in l)).toBe(hasSystem);
      if ('system_field' in fieldMapping) expect(lines.map((l) => l['system'])).toEqual(lines.map(() => ''));
      const info = JSON.parse(await readFile(join(work, 'out', 'dataset_info.json'), 'utf8')) as Record<string, { columns: Record<string, string> }>;
      expect(info['lorakit_dataset']?.columns['system']).toBe(hasSystem ? 'system' : undefined);
    }
  });

  it('on failure keeps the previous output and removes its temp directory', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 5 }, (_, i) => record(i)));
    await run(config(), { cwd: work });
    const before = await readFile(join(work, 'out', 'manifest.json'), 'utf8');
    await writeJsonl('in.jsonl', ['{bad', '{bad', '{bad', record(1)]);
    await expect(runExport(config({ max_errors: 2 }), { cwd: work })).rejects.toMatchObject({ code: 'EXPORT_MAX_ERRORS' });
    expect(await readFile(join(work, 'out', 'manifest.json'), 'utf8')).toBe(before);
    expect((await readdir(work)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('keeps the previous output when every record is rejected, saying why; into a new directory it writes the rejects', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 5 }, (_, i) => record(i)));
    await run(config(), { cwd: work });
    const before = await readFile(join(work, 'out', 'train.jsonl'), 'utf8');
    // A typo in field_mapping: every record is rejected at the map stage. Before, train.jsonl was replaced by an empty file.
    const typo = config({ field_mapping: { instruction_field: 'instrution' } });
    const error = (await runExport(typo, { cwd: work }).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('EXPORT_NOTHING_EXPORTED');
    expect(error.message).toMatch(/^no record exported: all 5 records read were rejected \(map\/missing_field 5\); the first, in\.jsonl:1: .*instrution/);
    expect(error.message).toContain(`${join(work, 'out')} was left as it was`);
    expect(await readFile(join(work, 'out', 'train.jsonl'), 'utf8')).toBe(before);
    expect((await readdir(work)).filter((n) => n.includes('.tmp-'))).toEqual([]);

    // An empty source (a broken upstream pipe, an emptied table): before, it replaced the dataset with an empty one.
    await writeFile(join(work, 'empty.jsonl'), '');
    const empty = config({ source: { type: 'jsonl', path: 'empty.jsonl' } });
    const none = (await runExport(empty, { cwd: work }).catch((e: unknown) => e)) as Error & { code: string };
    expect(none.code).toBe('EXPORT_NOTHING_EXPORTED');
    expect(none.message).toMatch(/^no record exported: the source held no records\. .* was left as it was/);
    expect(await readFile(join(work, 'out', 'train.jsonl'), 'utf8')).toBe(before);
    expect((await run(parseExportConfig({ ...empty, output: { ...empty.output, dir: 'empty-out' } }), { cwd: work })).stats.read).toBe(0);

    const fresh = await run(parseExportConfig({ ...typo, output: { ...typo.output, dir: 'fresh' } }), { cwd: work });
    expect(fresh.stats.exported).toBe(0);
    expect(await readLines(join(work, 'fresh', 'rejects.jsonl'))).toHaveLength(5);
    // An earlier run that exported nothing has no dataset to keep: its rejects are replaced by the new reasons.
    const again = parseExportConfig({ ...typo, field_mapping: { instruction_field: 'instr' }, output: { ...typo.output, dir: 'fresh' } });
    await run(again, { cwd: work });
    expect(await readFile(join(work, 'fresh', 'rejects.jsonl'), 'utf8')).toContain('\\"instr\\" is missing');
    // A partition of two may hold only rejects while the other exports: its old files must not reach a merge.
    for (const index of [0, 1]) await run(config({ partition: { index, count: 2 }, output: { dir: `part-${index}` } }), { cwd: work });
    const parts = await Promise.all([0, 1].map((index) => run(parseExportConfig({ ...typo, partition: { index, count: 2 }, output: { ...typo.output, dir: `part-${index}` } }), { cwd: work })));
    expect(parts.map((p) => p.stats.exported)).toEqual([0, 0]);
  });

  it('on abort keeps the previous output and removes its temp directory', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 5 }, (_, i) => record(i)));
    await run(config(), { cwd: work });
    const before = await readFile(join(work, 'out', 'train.jsonl'), 'utf8');
    await writeJsonl('in.jsonl', Array.from({ length: 30000 }, (_, i) => record(i + 100)));
    const controller = new AbortController();
    const pending = runExport(config(), { cwd: work, signal: controller.signal });
    // Abort mid-run: once the temp directory exists, records are being written into it.
    while (!(await readdir(work)).some((n) => n.includes('.tmp-'))) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'EXPORT_ABORTED' });
    expect(await readFile(join(work, 'out', 'train.jsonl'), 'utf8')).toBe(before);
    expect((await readdir(work)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('warns of settings of a stage that is off: near_threshold without near, PII strategy under policy off, format.custom of another style', async () => {
    await writeJsonl('in.jsonl', [record(1)]);
    // Before: accepted and ignored without a word.
    const result = await run(config({ dedup: { near_threshold: 0.3 }, pii: { strategy: 'hash' }, format: { custom: { a: 'instruction' } } }), { cwd: work });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        'dedup.near_threshold is 0.3 but dedup.near is false: no near duplicate was looked for; set dedup.near to true',
        'pii.strategy, pii.types or pii.hash_key is set but pii.policy is off: no record was scanned for personal data; set pii.policy to flag, redact or reject',
        'format.custom is set but style is "instruction": it is read only by style "custom"',
      ]),
    );
    const plain = await run(config(), { cwd: work });
    expect(plain.warnings.filter((w) => /near_threshold|pii\.policy is off|format\.custom/.test(w))).toEqual([]);
  });

  it('warns of a schema that validates nothing and of trainer configs it cannot write for compressed files', async () => {
    await writeJsonl('in.jsonl', [record(1)]);
    const schema = { type: 'object', required: ['missing'] };
    const plain = await run(config({ structured_gen: { json_schema: schema } }), { cwd: work });
    expect(plain.stats.exported).toBe(1);
    expect(plain.warnings).toContain('structured_gen.json_schema is set but structured_gen.enabled is false: no sample was validated against it; set structured_gen.enabled to true to validate');
    const gz = await run(config({ output: { compression: 'gzip' } }), { cwd: work });
    expect(gz.warnings).toContain('dataset_info.json is not written: LLaMA-Factory does not read gzip files; export with output.compression none for it');
    expect(await readdir(join(work, 'out'))).not.toContain('dataset_info.json');
    // Lines that may lack `input`: LLaMA-Factory maps the column on every line and fails where none has one, and HF
    // datasets (axolotl, TRL) refuses files whose columns differ.
    const noInput = await run(config({ format: { include_empty_input: false } }), { cwd: work });
    expect(noInput.warnings).toContain(
      'format.include_empty_input is false, so lines differ in their columns: dataset_info.json and axolotl.yaml are not written (LLaMA-Factory reads `input` from every line; HF datasets, which axolotl and the TRL snippet in README.md load with, refuses files whose columns differ); set it to true for them',
    );
    const written = await readdir(join(work, 'out'));
    expect(written).not.toContain('dataset_info.json');
    expect(written).not.toContain('axolotl.yaml');
    expect(await readFile(join(work, 'out', 'README.md'), 'utf8')).toContain('# Lines were written without an empty `input`: load_dataset refuses files whose columns differ.');
  });

  it('openai weights: axolotl.yaml reads them, and the run warns that LLaMA-Factory and TRL train every answer', async () => {
    const messages = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: 'a2' },
    ];
    await writeJsonl('in.jsonl', [{ messages }]);
    const result = await run(config({ style: 'openai', format: { openai_assistant_weight: true } }), { cwd: work });
    expect(result.warnings).toContain(
      "format.openai_assistant_weight: only axolotl.yaml reads the messages' weight (message_field_training); LLaMA-Factory (dataset_info.json) and the TRL snippet train on every assistant message",
    );
    expect(await readFile(join(work, 'out', 'axolotl.yaml'), 'utf8')).toContain('message_field_training: weight');
  });

  it('custom style: the quality report counts exact duplicates by the key dedup uses, the whole line', async () => {
    const lines = [
      { review: 'I loved this movie', sentiment: 'pos' },
      { review: 'I loved this movie', sentiment: 'neg' },
      { review: 'I loved this movie', sentiment: 'neg' },
    ];
    await writeJsonl('in.jsonl', lines);
    const custom = { style: 'custom' as const, format: { custom: { text: '{{review}}', label: 'sentiment' } } };
    const deduped = await run(config(custom), { cwd: work });
    expect(deduped.stats).toMatchObject({ exported: 2, duplicates: 1 });
    // Before, it keyed the `text` alone: a report of this deduplicated export found a duplicate in it.
    const report = JSON.parse(await readFile(join(work, 'out', 'quality_report.json'), 'utf8')) as { exactDuplicates: { duplicates: number } };
    expect(report.exactDuplicates.duplicates).toBe(0);
    const kept = await run(config({ ...custom, dedup: { exact: false } }), { cwd: work });
    expect(kept.stats.exported).toBe(3);
    const reportAll = JSON.parse(await readFile(join(work, 'out', 'quality_report.json'), 'utf8')) as { exactDuplicates: { duplicates: number } };
    expect(reportAll.exactDuplicates.duplicates).toBe(1);
  });

  it('refuses a second export into a directory another one is writing, at once, and takes over a lock left by a dead run', async () => {
    const stdin = new PassThrough();
    stdin.write(`${JSON.stringify(record(1))}\n`);
    const first = runExport(config({ source: { type: 'stdin' } }), { cwd: work, stdin });
    while (!(await readdir(work)).includes('out.lock')) await new Promise((r) => setTimeout(r, 1));
    await writeJsonl('in.jsonl', [record(2)]);
    await expect(runExport(config(), { cwd: work })).rejects.toMatchObject({
      code: 'EXPORT_OUTPUT_LOCKED',
      message: expect.stringContaining(`${join(work, 'out')} is being written by another export`),
    });
    // A dry run writes nothing and is not refused.
    expect((await runExport(config(), { cwd: work, dryRun: true })).stats.exported).toBe(1);
    stdin.end(`${JSON.stringify(record(3))}\n`);
    expect((await first).stats.exported).toBe(2);
    expect(await readdir(work)).not.toContain('out.lock');

    // A lock whose run died stops being refreshed; once stale it is taken over.
    await mkdir(join(work, 'out.lock'));
    await expect(runExport(config(), { cwd: work })).rejects.toMatchObject({ code: 'EXPORT_OUTPUT_LOCKED' });
    const old = new Date(Date.now() - 60_000);
    await utimes(join(work, 'out.lock'), old, old);
    expect((await run(config(), { cwd: work })).stats.exported).toBe(1);
    expect(await readdir(work)).toEqual(['in.jsonl', 'out']);
  });

  it('rejects at the source, naming the line, an integer it cannot keep exactly and a record too deep to process', async () => {
    const depth = 10_000;
    const deep = `{"instruction":"Q","output":"A","meta":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    await writeJsonl('in.jsonl', [
      '{"id":9007199254740993,"instruction":"Q1","output":"A1"}',
      '{"id":9007199254740992,"instruction":"Q2","output":"A2","score":0.7295890000000001}',
      deep,
      record(3),
    ]);
    const cfg = config({ format: { metadata_fields: ['id', 'meta', 'score'] }, output: { rejects_include_record: true } });
    const { stats } = await run(cfg, { cwd: work });
    expect(stats).toMatchObject({ read: 4, exported: 2, rejected: 2 });
    const rejects = (await readLines(join(work, 'out', 'rejects.jsonl'))).map((l) => JSON.parse(l) as RejectEntry);
    expect(rejects.map((r) => [r.line, r.stage, r.code])).toEqual([
      [1, 'source', 'unsafe_integer'],
      [3, 'source', 'too_deep'],
    ]);
    expect(rejects[0]?.message).toMatch(/9007199254740993 .*quote it as a string/);
    const train = (await readFile(join(work, 'out', 'train.jsonl'), 'utf8')) + (await readFile(join(work, 'out', 'validation.jsonl'), 'utf8').catch(() => ''));
    expect(train).toContain('"id":9007199254740992');
    // A float is read as JSON numbers always are (to the nearest double), not rejected.
    expect(train).toMatch(/"score":0\.729589000000000\d/);
  });

  it('continue_on_error false stops at the first failed record, naming it', async () => {
    await writeJsonl('in.jsonl', [record(0), { id: 'x', instruction: 'no output' }, record(2)]);
    await expect(runExport(config({ continue_on_error: false }), { cwd: work })).rejects.toMatchObject({
      code: 'EXPORT_RECORD_FAILED',
      message: expect.stringMatching(/in\.jsonl:2.*output/),
    });
  });

  it('a directory as the source path fails naming it', async () => {
    await mkdir(join(work, 'data'));
    for (const type of ['jsonl', 'csv'] as const) {
      await expect(runExport(config({ source: { type, path: 'data' } }), { cwd: work })).rejects.toMatchObject({
        code: 'EXPORT_SOURCE_UNREADABLE',
        message: `Input is a directory, not a file: ${join(work, 'data')} (name one file as the source path)`,
      });
    }
    expect(await readdir(work)).toEqual(['data']);
  });

  it('refuses to replace an output when overwrite is false', async () => {
    await writeJsonl('in.jsonl', [record(0)]);
    await run(config(), { cwd: work });
    await expect(runExport(config({ output: { overwrite: false } }), { cwd: work })).rejects.toMatchObject({
      code: 'EXPORT_OUTPUT_EXISTS',
    });
  });

  it('replaces only a previous export or an empty directory, refusing before it reads anything', async () => {
    await writeJsonl('in.jsonl', [record(0)]);
    await mkdir(join(work, 'precious'));
    await writeFile(join(work, 'precious', 'thesis.txt'), 'hi\n');
    await expect(runExport(config({ output: { dir: 'precious' } }), { cwd: work })).rejects.toMatchObject({
      code: 'EXPORT_OUTPUT_EXISTS',
      message: expect.stringMatching(/precious is not empty and is not a previous lorakit export.*Choose a new or empty directory/),
    });
    expect(await readFile(join(work, 'precious', 'thesis.txt'), 'utf8')).toBe('hi\n');

    await writeFile(join(work, 'victim.txt'), 'keep\n');
    await expect(runExport(config({ output: { dir: 'victim.txt' } }), { cwd: work })).rejects.toMatchObject({
      code: 'EXPORT_OUTPUT_EXISTS',
      message: expect.stringContaining('victim.txt exists and is not a directory'),
    });
    expect(await readFile(join(work, 'victim.txt'), 'utf8')).toBe('keep\n');

    // A manifest.json of some other tool does not make a directory an export.
    await writeFile(join(work, 'precious', 'manifest.json'), '{"format":"other"}');
    await expect(runExport(config({ output: { dir: 'precious' } }), { cwd: work })).rejects.toMatchObject({ code: 'EXPORT_OUTPUT_EXISTS' });

    await mkdir(join(work, 'empty'));
    await run(config({ output: { dir: 'empty' } }), { cwd: work });
    await run(config({ output: { dir: 'empty' } }), { cwd: work });
    expect(await readdir(join(work, 'empty'))).toContain('manifest.json');
  });

  it('does not replace a previous export holding files its manifest does not list', async () => {
    await writeJsonl('in.jsonl', [record(0), record(1)]);
    await run(config({ output: { dir: 'out' } }), { cwd: work });
    await writeFile(join(work, 'out', 'adapter_model.safetensors'), 'weights');
    await expect(runExport(config({ output: { dir: 'out' } }), { cwd: work })).rejects.toMatchObject({
      code: 'EXPORT_OUTPUT_EXISTS',
      message: expect.stringContaining('files its manifest.json does not list (adapter_model.safetensors)'),
    });
    expect(await readFile(join(work, 'out', 'adapter_model.safetensors'), 'utf8')).toBe('weights');
    await rm(join(work, 'out', 'adapter_model.safetensors'));
    await run(config({ output: { dir: 'out' } }), { cwd: work });
  });

  it('never replaces the directory holding the input, nor the working directory', async () => {
    await writeJsonl('in.jsonl', [record(0)]);
    for (const dir of ['.', work, join(work, 'in.jsonl')]) {
      await expect(runExport(config({ output: { dir } }), { cwd: work })).rejects.toMatchObject({
        code: 'EXPORT_OUTPUT_EXISTS',
        message: expect.stringContaining(`holds the input ${join(work, 'in.jsonl')}`),
      });
    }
    expect(await readdir(work)).toEqual(['in.jsonl']);
    const elsewhere = await mkdtemp(join(tmpdir(), 'lorakit-cwd-'));
    try {
      await mkdir(join(elsewhere, 'sub'));
      await writeFile(join(elsewhere, 'sub', 'notes.txt'), 'x');
      const input = { source: { type: 'jsonl' as const, path: join(work, 'in.jsonl') } };
      for (const dir of ['.', '..']) {
        await expect(runExport(config({ ...input, output: { dir } }), { cwd: join(elsewhere, 'sub') })).rejects.toMatchObject({
          code: 'EXPORT_OUTPUT_EXISTS',
          message: expect.stringContaining('is the working directory'),
        });
      }
      expect(await readdir(join(elsewhere, 'sub'))).toEqual(['notes.txt']);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('evaluates quality gates on the report, and refuses a malformed gate before exporting', async () => {
    await writeJsonl('in.jsonl', [record(0), record(1), record(1)]);
    const result = await run(config({ quality_metrics: { gates: ['samples >= 2', 'samples > 5'] } }), { cwd: work });
    expect(result.gates?.passed).toBe(false);
    expect(result.gates?.failed.map((g) => g.gate)).toEqual(['samples > 5']);
    // When the config is parsed, on its item (checkExportSetup and the server's 400 rely on it), and, for a config
    // object made otherwise, when the export starts.
    expect(() => config({ quality_metrics: { gates: ['samples >= 1', 'complianceRat >= 1'] } })).toThrow(
      /quality_metrics\.gates\.1: gate "complianceRat >= 1": unknown metric "complianceRat"; did you mean complianceRate\?/,
    );
    const unparsed = config({ output: { dir: 'never' } });
    unparsed.quality_metrics.gates = ['samples >>> 2'];
    await expect(runExport(unparsed, { cwd: work })).rejects.toMatchObject({ code: 'EXPORT_CONFIG_INVALID', key: 'quality_metrics.gates' });
    expect(await readdir(work)).not.toContain('never');
  });

  it('exports from SQLite (the demo store) with table-key refs in rejects and duplicate_of', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(work, 'demo.db'));
    db.exec('CREATE TABLE docs (slug TEXT PRIMARY KEY, question TEXT, answer TEXT)');
    const insert = db.prepare('INSERT INTO docs VALUES (?, ?, ?)');
    insert.run('alpha', 'What is a permit?', 'An authority\'s consent.');
    insert.run('beta', 'What is a permit?', 'An authority\'s consent.');
    insert.run('gamma', 'Empty?', null);
    db.close();
    const result = await run(
      parseExportConfig({
        source: { type: 'sqlite', path: 'demo.db', table: 'docs', key: 'slug' },
        field_mapping: { instruction_field: 'question', output_field: 'answer' },
        split: { validation: 0 },
        output: { dir: 'out' },
      }),
      { cwd: work },
    );
    expect(result.stats).toMatchObject({ read: 3, exported: 1, rejected: 2 });
    const rejects = (await readLines(join(work, 'out', 'rejects.jsonl'))).map((l) => JSON.parse(l) as RejectEntry);
    expect(rejects.map((r) => [r.ref, r.stage, r.code, r.duplicate_of])).toEqual([
      [expect.stringMatching(/:beta$/), 'dedup', 'exact_duplicate', expect.stringMatching(/:alpha$/)],
      [expect.stringMatching(/:gamma$/), 'map', 'missing_field', undefined],
    ]);
  });

  it('dry run counts everything and writes nothing', async () => {
    await writeJsonl('in.jsonl', [record(0), record(0), record(1)]);
    const result = await run(config(), { cwd: work, dryRun: true });
    expect(result.stats).toMatchObject({ read: 3, exported: 2, rejected: 1, duplicates: 1 });
    expect(result.files).toEqual([]);
    expect(await readdir(work)).toEqual(['in.jsonl']);
  });

  it('dry run refuses an output directory the real run would refuse', async () => {
    await writeJsonl('in.jsonl', [record(0)]);
    await mkdir(join(work, 'precious'));
    await writeFile(join(work, 'precious', 'thesis.txt'), 'hi\n');
    await expect(run(config({ output: { dir: 'precious' } }), { cwd: work, dryRun: true })).rejects.toMatchObject({ code: 'EXPORT_OUTPUT_EXISTS' });
  });

  it('refuses adapter metadata that is no semantic version or language code before reading a record, dry run too', async () => {
    await writeJsonl('in.jsonl', [record(0)]);
    const bad = config({ adapter_metadata: { base_model: 'Qwen/Qwen2.5-7B-Instruct', adapter_version: 'v1', language: ['de', 'deutsch'] } });
    // Before: the dry run passed, and the real run read and processed every record, then failed naming a temp file.
    for (const dryRun of [true, false]) {
      await expect(runExport(bad, { cwd: work, dryRun })).rejects.toMatchObject({
        code: 'EXPORT_CONFIG_INVALID',
        message:
          'invalid export config:\n  adapter_metadata.adapter_version: must be a semantic version such as "1.0.0"\n  adapter_metadata.language.1: must be a BCP-47 / ISO 639 code such as "en" or "pt-BR"',
        // zod's issues at their place in the config, as a config that does not parse has them (the CLI names lines).
        cause: { issues: [expect.objectContaining({ path: ['adapter_metadata', 'adapter_version'] }), expect.objectContaining({ path: ['adapter_metadata', 'language', 1] })] },
      });
    }
    expect(await readdir(work)).toEqual(['in.jsonl']);
  });

  it('refuses a config without a source, which only exportRecords can do without, before writing anything', async () => {
    const sourceless = parseExportConfig({ output: { dir: 'out' } });
    for (const dryRun of [true, false]) {
      await expect(runExport(sourceless, { cwd: work, dryRun })).rejects.toMatchObject({
        code: 'EXPORT_CONFIG_INVALID',
        message: expect.stringMatching(/^invalid export config:\n {2}source: missing: runExport reads records from a source .*use exportRecords$/),
      });
    }
    expect(await readdir(work)).toEqual([]);
  });

  it('warns of optional fields the config names that no record has (a misspelt input_field changes every sample)', async () => {
    await writeJsonl('in.jsonl', [record(0, { context: 'Facts.', meta: { lang: 'de' } }), record(1, { context: 'More facts.' })]);
    const result = await run(
      config({
        field_mapping: { input_field: 'contxt', system_field: 'sys' },
        split: { id_field: 'uid' },
        weighting: { weight_field: 'score', timestamp_field: 'created' },
        format: { metadata_fields: ['meta.lang', 'meta.source'] },
      }),
      { cwd: work },
    );
    expect(result.stats.exported).toBe(2);
    expect(result.warnings.filter((w) => w.includes('is in no record read'))).toEqual([
      'field_mapping.input_field "contxt" is in no record read: no sample got an input (context) from it; check its spelling',
      'field_mapping.system_field "sys" is in no record read: no sample got a system prompt from it; check its spelling',
      'split.id_field "uid" is in no record read: every record was split (and partitioned) by its ref instead, which moves when the input changes; check its spelling',
      'weighting.weight_field "score" is in no record read: every record got weighting.default_weight (1); check its spelling',
      'weighting.timestamp_field "created" is in no record read: no weight got a freshness factor; check its spelling',
      'format.metadata_fields "meta.source" is in no record read: no sample\'s metadata has it; check its spelling',
    ]);
    // Spelt right, or left at their defaults: no such warning.
    const right = await run(config({ field_mapping: { input_field: 'context' }, split: { id_field: 'id' }, format: { metadata_fields: ['meta.lang'] } }), { cwd: work });
    expect(right.warnings.filter((w) => w.includes('is in no record read'))).toEqual([]);
  });

  it('names the config key of a setting refused once the export starts (ExportError.key)', async () => {
    await writeJsonl('in.jsonl', [record(0)]);
    const cases: [ReturnType<typeof config>, string, string][] = [
      [config({ structured_gen: { enabled: true, json_schema: 'nope.json' } }), 'EXPORT_SCHEMA_INVALID', 'structured_gen.json_schema'],
      [config({ structured_gen: { enabled: true } }), 'EXPORT_SCHEMA_INVALID', 'structured_gen.enabled'],
      [config({ style: 'custom' }), 'EXPORT_MAPPING_INVALID', 'style'],
      [config({ style: 'custom', format: { custom: { q: 'instruction' }, response_key: 'a' } }), 'EXPORT_MAPPING_INVALID', 'format.response_key'],
      [config({ pii: { policy: 'redact', strategy: 'hash' } }), 'EXPORT_CONFIG_INVALID', 'pii.strategy'],
      [config({ pii: { policy: 'redact', strategy: 'hash', hash_key: 'short' } }), 'EXPORT_CONFIG_INVALID', 'pii.hash_key'],
    ];
    for (const [bad, code, key] of cases) await expect(runExport(bad, { cwd: work, env: {} }), key).rejects.toMatchObject({ code, key });
  });

  it('reports progress with records, bytes, rate and ETA, and survives an interval of 0', async () => {
    await writeJsonl('in.jsonl', Array.from({ length: 3000 }, (_, i) => record(i)));
    const seen: ExportProgress[] = [];
    await run(config(), { cwd: work, progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    const last = seen.at(-1);
    expect(last?.records).toBe(3000);
    expect(last?.bytes).toBeGreaterThan(0);
    expect(last?.rate).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(200);
    // Infinity: the final report only (before: every 50 ms, as for 0).
    await writeJsonl('in.jsonl', Array.from({ length: 30_000 }, (_, i) => record(i)));
    const once: ExportProgress[] = [];
    await run(config({ output: { dir: 'out', overwrite: true } }), { cwd: work, progressIntervalMs: Infinity, onProgress: (p) => once.push(p) });
    expect(once.map((p) => p.records)).toEqual([30_000]);
  });

  it('filters, weighs, redacts and validates in the documented order', async () => {
    await writeFile(join(work, 'schema.json'), JSON.stringify({ type: 'object', required: ['instruction', 'output'], properties: { output: { type: 'string', maxLength: 40 } } }));
    await writeJsonl('in.jsonl', [
      record(0, { theme: 'Umweltrecht', created_at: '2024-05-01' }),
      record(1, { theme: 'Steuerrecht', created_at: '2024-05-01' }),
      record(2, { theme: 'Umweltrecht', created_at: '2019-05-01' }),
      record(3, { theme: 'Umweltrecht', created_at: '2024-05-01', output: 'Mail me at ana@example.org' }),
      record(4, { theme: 'Umweltrecht', created_at: '2024-05-01', output: 'x'.repeat(60) }),
      record(5, { theme: 'Umweltrecht', created_at: '2024-05-01', output: 'ok' }),
    ]);
    const result = await run(
      config({
        filter: 'theme == "Umweltrecht" and created_at >= "2020-01-01"',
        quality: { min_text_length: 3 },
        pii: { policy: 'redact', strategy: 'remove' },
        structured_gen: { enabled: true, json_schema: 'schema.json' },
        split: { validation: 0 },
      }),
      { cwd: work },
    );
    expectInvariant(result.stats);
    expect(result.stats.rejectedByCode).toEqual({ 'select/filtered_out': 2, 'filter/too_short': 1, 'validate/schema_invalid': 1 });
    const train = (await readLines(join(work, 'out', 'train.jsonl'))).map((l) => JSON.parse(l) as { output: string });
    expect(train.map((t) => t.output)).toEqual(['Answer number 0, with some words.', 'Mail me at [EMAIL]']);
    expect(result.stats.piiFound).toBe(1);
  });

  it('redacts national phone numbers of pii.phone_regions, and the report measures with the same regions', async () => {
    await writeJsonl('in.jsonl', [
      record(0, { output: 'Rufen Sie 030 12345678 an.' }),
      record(1, { output: 'Mobil: 0171 1234567, werktags.' }),
      record(2, { output: 'Die Stadt hatte (2011) 211.000 Einwohner.' }),
    ]);
    const without = await run(config({ pii: { policy: 'redact' }, split: { validation: 0 } }), { cwd: work });
    expect(without.stats.piiFound).toBe(0);
    expect(without.warnings.some((w) => w.startsWith('pii.phone_regions is empty: phone numbers written nationally'))).toBe(true);
    const result = await run(config({ pii: { policy: 'redact', phone_regions: ['DE'] }, split: { validation: 0 } }), { cwd: work });
    const outputs = (await readLines(join(work, 'out', 'train.jsonl'))).map((l) => (JSON.parse(l) as { output: string }).output);
    expect(outputs).toEqual(['Rufen Sie [PHONE] an.', 'Mobil: [PHONE], werktags.', 'Die Stadt hatte (2011) 211.000 Einwohner.']);
    expect(result.stats.piiFound).toBe(2);
    expect(result.warnings.filter((w) => w.startsWith('pii.phone_regions'))).toEqual([]);
    // The report measures the exported (redacted) samples with the same detector settings: no number is left.
    expect(result.report?.pii.samples).toBe(0);
    expect(result.report?.options.phoneRegions).toEqual(['DE']);
  });
});
