import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportConfigInput } from './export-config.js';
import { frameLines } from './internal/parallel-jsonl.js';
import { decode, encode } from './internal/pipeline-worker.js';
import type { Transformed } from './internal/pipeline.js';
import { createQualityAccumulator, digestSample, type QualityReport } from '@lorakit/quality-metrics';

// Worker threads run compiled JavaScript, so the parallel path is exercised through the built package (npm test
// builds before testing), in a child process, against the same build with worker_threads 0.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lorakit-parallel-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs one export in a child process on the built package; prints its stats, or its error code and message. */
async function runChild(config: ExportConfigInput, nodeOptions: string[] = []): Promise<string> {
  const script = `
    const { parseExportConfig, runExport } = await import(${JSON.stringify(dist)});
    try {
      const result = await runExport(parseExportConfig(JSON.parse(process.argv[1])));
      process.stdout.write(JSON.stringify({ ...result.stats, warnings: result.warnings }));
    } catch (error) {
      process.stdout.write(JSON.stringify({ code: error.code, message: error.message }));
    }`;
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeOptions, '--input-type=module', '-e', script, JSON.stringify(config)], {
    maxBuffer: 1 << 26,
    timeout: 60_000,
  });
  return stdout;
}

async function exportWith(input: string, workers: number, over: Partial<ExportConfigInput>) {
  const out = join(work, `out-${workers}-${Math.random().toString(36).slice(2)}`);
  const config: ExportConfigInput = {
    source: { type: 'jsonl', path: input, max_line_length: 4096 },
    style: 'instruction',
    output: { dir: out },
    worker_threads: workers,
    ...over,
  };
  const stdout = await runChild(config);
  const stats = JSON.parse(stdout) as Record<string, unknown>;
  delete stats['durationMs'];
  delete stats['recordsPerSecond'];
  const files: Record<string, string> = {};
  for (const name of (await readdir(out)).sort()) {
    if (!name.endsWith('.jsonl')) continue;
    files[name] = await readFile(join(out, name), 'utf8');
  }
  const report = JSON.parse(await readFile(join(out, 'quality_report.json'), 'utf8')) as Record<string, unknown>;
  delete report['generatedAt'];
  return { stats, files, report };
}

/** ~5 MB of JSONL (20 blocks) with every kind of line the reader and the stages treat specially. */
async function messyInput(): Promise<string> {
  const parts: string[] = ['\ufeff'];
  const words = 'the court decided that the permit was void because the authority ignored the noise limit'.split(' ');
  const content = (i: number) => {
    const text = Array.from({ length: 30 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    return { instruction: `Question ${i}: ${text}?`, output: `Answer ${i}. ${text}.` };
  };
  for (let i = 0; i < 12_000; i++) {
    // Every 509th record repeats the content of one 250 lines (several blocks) earlier: an exact duplicate.
    const rec: Record<string, unknown> = { id: `r${i}`, ...content(i % 509 === 0 && i > 250 ? i - 250 : i), n: i % 10 };
    if (i % 997 === 0) rec['output'] = `Write to person${i}@example.org for the file.`;
    // Duplicates and their originals carry an address: rejects.jsonl must hold it redacted, read in a worker or not.
    if ((i + 250) % 509 === 0 || (i % 509 === 0 && i > 250)) rec['instruction'] += ' (cc desk@example.org)';
    if (i % 1301 === 0) rec['output'] = 42;
    let line = JSON.stringify(rec);
    if (i % 701 === 0) line += '\r';
    if (i % 811 === 0) line = '{"broken": ';
    if (i % 907 === 0) line = '[1, 2]';
    if (i % 1499 === 0) line = `{"id":"long${i}","instruction":"${'x'.repeat(6000)}","output":"y"}`;
    if (i === 7001) line = `{"id":"huge","instruction":"${'z'.repeat(400_000)}","output":"y"}`;
    if (i % 1103 === 0) parts.push('\n', '   ');
    if (i % 1999 === 0) line = `\ufeff${line}`;
    parts.push('\n', line);
  }
  const path = join(work, 'messy.jsonl');
  const text = parts.join('').replace(/^\ufeff\n/, '\ufeff');
  // One line of invalid UTF-8 in the middle.
  const buf = Buffer.from(text, 'utf8');
  const at = buf.indexOf('"id":"r6000"');
  buf[at + 7] = 0xff;
  await writeFile(path, buf);
  return path;
}

describe('parallel export (worker_threads)', () => {
  it('finds national phone numbers of pii.phone_regions in worker threads, and the report in its worker too', async () => {
    expect(existsSync(dist), `build the package first (npx nx build jsonl-exporter): ${dist} is missing`).toBe(true);
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ id: `r${i}`, instruction: `Frage ${i}: wie erreiche ich Sie?`, output: i % 3 === 0 ? `Unter 0171 ${2000000 + i}, werktags.` : `Schriftlich, Vorgang ${i}.` }),
    );
    const input = join(work, 'phones.jsonl');
    await writeFile(input, `${lines.join('\n')}\n`);
    const over: Partial<ExportConfigInput> = { pii: { policy: 'flag', phone_regions: ['DE'] }, quality_metrics: { sample_rate: 1 } };
    for (const workers of [0, 2]) {
      const { stats, report } = await exportWith(input, workers, over);
      expect(stats['piiFound'], `${workers} workers`).toBe(100);
      // Under flag the numbers stay in the samples: the report, with the same regions, counts them all.
      expect((report['pii'] as { samples: number }).samples, `${workers} workers`).toBe(100);
    }
  });

  it('writes byte-identical data, rejects, stats and report with 0 and 2 worker threads', async () => {
    expect(existsSync(dist), `build the package first (npx nx build jsonl-exporter): ${dist} is missing`).toBe(true);
    const input = await messyInput();
    const cases: Partial<ExportConfigInput>[] = [
      {
        dedup: { exact: true },
        filter: 'n != 3',
        pii: { policy: 'redact' },
        split: { validation: 0.1, id_field: 'id' },
        structured_gen: { enabled: true, reject_invalid_samples: false, json_schema: { type: 'object', properties: { output: { maxLength: 120 } } } },
      },
      { dedup: { exact: true, near: true }, split: { validation: 0.1, shuffle: true }, partition: { index: 1, count: 3 } },
      // Optional fields named by the config that no record has: the same warnings, whichever thread saw the records.
      { field_mapping: { input_field: 'contxt' }, split: { validation: 0.1, id_field: 'idd' } },
    ];
    for (const over of cases) {
      const one = await exportWith(input, 0, over);
      const two = await exportWith(input, 2, over);
      expect(Object.keys(two.files)).toEqual(Object.keys(one.files));
      for (const name of Object.keys(one.files)) expect(two.files[name], name).toBe(one.files[name]);
      expect(two.stats).toEqual(one.stats);
      expect(two.report).toEqual(one.report);
      if (over.field_mapping) {
        expect((one.stats['warnings'] as string[]).filter((w) => w.includes('is in no record read'))).toEqual([
          'field_mapping.input_field "contxt" is in no record read: no sample got an input (context) from it; check its spelling',
          'split.id_field "idd" is in no record read: every record was split (and partitioned) by its ref instead, which moves when the input changes; check its spelling',
        ]);
        continue;
      }
      expect(one.stats['exported']).toBeGreaterThan(1000);
      if (over.partition) continue;
      // The run saw every kind of line, including the 400 KB one the main thread skips: not a vacuous comparison.
      const rejects = one.files['rejects.jsonl'] ?? '';
      for (const code of ['"parse"', 'not_object', 'invalid_utf8', 'exact_duplicate', 'filtered_out', '"line is 400']) expect(rejects).toContain(code);
      // Before, a duplicate's record, read again from its line on the main thread, kept the address with workers.
      expect(rejects).toContain('(cc [EMAIL])');
      expect(rejects).not.toContain('desk@example.org');
    }
  }, 120_000);
});

describe('quality report of an export', () => {
  it('equals the report of an accumulator fed the exported samples, the report fed digests on its worker or the main thread', async () => {
    expect(existsSync(dist), `build the package first (npx nx build jsonl-exporter): ${dist} is missing`).toBe(true);
    const words = 'the court decided that the permit was void because the authority ignored the noise limit'.split(' ');
    const text = (i: number, n: number) => Array.from({ length: n }, (_, j) => words[(i * 7 + j * 3 + j * j) % words.length]).join(' ');
    const records = Array.from({ length: 3000 }, (_, i) => {
      // Exact duplicates (of a record 100 lines earlier) and prompt conflicts (same question, another answer).
      const k = i % 97 === 0 && i > 100 ? i - 100 : i;
      const question = i % 89 === 0 ? 'What did the court decide?' : `Question ${k}: ${text(k, 12)}?`;
      return { instruction: question, output: `Answer ${k}. ${text(k, 25 + (k % 20))}.` };
    });
    const input = join(work, 'report.jsonl');
    await writeFile(input, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const runs = [true, false].flatMap((exact) => [1, 0].map((reportWorkers) => ({ exact, reportWorkers })));
    for (const [i, { exact, reportWorkers }] of runs.entries()) {
      const out = join(work, `report-${i}`);
      // Pipeline workers too, so the main thread never holds the sample objects: the report (on its worker, or on
      // the main thread) gets digests and parses only the lines it needs.
      const config: ExportConfigInput = {
        source: { type: 'jsonl', path: input },
        style: 'instruction',
        dedup: { exact },
        quality_metrics: { sample_rate: 0.3, worker_threads: reportWorkers },
        split: { validation: 0 },
        output: { dir: out },
        worker_threads: 2,
      };
      const stats = JSON.parse(await runChild(config)) as { exported: number; rejected: number };
      const rejected = new Set(
        (await readFile(join(out, 'rejects.jsonl'), 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { line: number }).line),
      );
      expect(rejected.size).toBe(exact ? stats.rejected : 0);
      const exported = (await readFile(join(out, 'train.jsonl'), 'utf8')).split('\n').filter(Boolean);
      expect(exported.length).toBe(stats.exported);
      const direct = createQualityAccumulator({ nearDup: false, sampleRate: 0.3 });
      let next = 0;
      for (let line = 1; line <= records.length; line++) if (!rejected.has(line)) direct.add(JSON.parse(exported[next++]!), { line });
      const expected = direct.report();
      const report = JSON.parse(await readFile(join(out, 'quality_report.json'), 'utf8')) as QualityReport;
      expect({ ...report, generatedAt: '', funnel: undefined }).toEqual({ ...expected, generatedAt: '', funnel: undefined });
      expect(report.promptConflicts.samples).toBeGreaterThan(10);
      expect(report.exactDuplicates.duplicates).toBe(exact ? 0 : 29);
      if (!exact) expect(report.exactDuplicates.groups.every((g) => g.example.startsWith('user: Question'))).toBe(true);
    }
  }, 120_000);
});

describe('parallel export failures', () => {
  it('stops at max_errors with the same error as one thread, leaves no output and no thread running', async () => {
    const input = join(work, 'bad.jsonl');
    const lines = Array.from({ length: 30_000 }, (_, i) => (i % 1000 === 999 ? '{"broken' : JSON.stringify({ instruction: `q${i}`, output: `a${i}` })));
    await writeFile(input, `${lines.join('\n')}\n`);
    const results = [];
    for (const workers of [0, 2]) {
      const out = join(work, `fail-${workers}`);
      const config: ExportConfigInput = { source: { type: 'jsonl', path: input }, style: 'instruction', output: { dir: out }, worker_threads: workers, max_errors: 5 };
      // A worker left running would keep the child alive until the timeout.
      results.push(JSON.parse(await runChild(config)) as { code: string; message: string });
      expect(existsSync(out)).toBe(false);
    }
    expect(results[0]).toMatchObject({ code: 'EXPORT_MAX_ERRORS' });
    expect(results[1]).toEqual(results[0]);
  }, 120_000);

  it('rejects integers it cannot keep exactly and records too deep to process on their own, as one thread does', async () => {
    const deep = `{"instruction":"Q","output":"A","meta":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const lines = Array.from({ length: 30_000 }, (_, i) =>
      i === 12_345 ? deep : i === 20_000 ? '{"instruction":"Q","output":"A","meta":12345678901234567891}' : JSON.stringify({ instruction: `q${i}`, output: `a${i}`, meta: i }),
    );
    const input = join(work, 'deep.jsonl');
    await writeFile(input, `${lines.join('\n')}\n`);
    const results = [];
    for (const workers of [0, 2]) {
      const config: ExportConfigInput = {
        source: { type: 'jsonl', path: input },
        style: 'instruction',
        format: { metadata_fields: ['meta'] },
        output: { dir: join(work, `deep-${workers}`) },
        worker_threads: workers,
      };
      results.push(JSON.parse(await runChild(config)) as Record<string, unknown>);
      const rejects = (await readFile(join(work, `deep-${workers}`, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(rejects).toMatchObject([
        { line: 12_346, stage: 'source', code: 'too_deep' },
        { line: 20_001, stage: 'source', code: 'unsafe_integer' },
      ]);
    }
    expect(results[0]).toMatchObject({ read: 30_000, exported: 29_998, rejectedByCode: { 'source/too_deep': 1, 'source/unsafe_integer': 1 } });
    expect(results[1]).toMatchObject({ read: 30_000, exported: 29_998, rejectedByCode: { 'source/too_deep': 1, 'source/unsafe_integer': 1 } });
  }, 120_000);

  it('starts its threads when node runs with V8 options a worker may not be given (--max-old-space-size, --expose-gc)', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ instruction: `question ${i}`, output: `answer ${i}` }));
    const input = join(work, 'v8-options.jsonl');
    await writeFile(input, `${lines.join('\n')}\n`);
    const config: ExportConfigInput = { source: { type: 'jsonl', path: input }, style: 'instruction', output: { dir: join(work, 'v8-options') }, worker_threads: 2 };
    const stats = JSON.parse(await runChild(config, ['--max-old-space-size=2048', '--expose-gc'])) as { exported?: number; code?: string; message?: string };
    // Both kinds of worker ran: the pipeline's (worker_threads 2) and the report's (quality_metrics on by default).
    expect(stats).toMatchObject({ read: 30_000, exported: 30_000 });
    expect(JSON.parse(await readFile(join(work, 'v8-options', 'quality_report.json'), 'utf8'))).toMatchObject({ counts: { samples: 30_000 } });
  }, 120_000);

  it('reports a corrupt gzip file as the single-threaded reader does', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ instruction: `question ${i}`, output: `answer ${i}` }));
    const gz = gzipSync(`${lines.join('\n')}\n`);
    const input = join(work, 'cut.jsonl.gz');
    await writeFile(input, gz.subarray(0, Math.floor(gz.length / 2)));
    const results = [];
    for (const workers of [0, 2]) {
      const config: ExportConfigInput = { source: { type: 'jsonl', path: input }, style: 'instruction', output: { dir: join(work, `gz-${workers}`) }, worker_threads: workers };
      results.push(JSON.parse(await runChild(config)) as { code: string; message: string });
    }
    expect(results[0]).toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE', message: expect.stringContaining('cut.jsonl.gz') });
    expect(results[1]).toEqual(results[0]);
  }, 120_000);
});

describe('frameLines', () => {
  async function frames(text: string | Buffer, max: number, block: number) {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    // Feed it in 7-byte chunks, so lines straddle chunk boundaries.
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const out: { firstLine: number; text?: string; tooLong?: number }[] = [];
    for await (const b of frameLines(Readable.from(chunks), max, block)) {
      out.push(b.bytes ? { firstLine: b.firstLine, text: Buffer.from(b.bytes).toString() } : { firstLine: b.firstLine, tooLong: b.tooLong! });
    }
    return out;
  }

  it('cuts whole lines, numbers blocks by their first line and keeps a last line without newline', async () => {
    const blocks = await frames('a1\nb22\n\nc333\nd4444\ne', 100, 8);
    expect(blocks.map((b) => b.text).join('')).toBe('a1\nb22\n\nc333\nd4444\ne');
    for (const b of blocks.slice(0, -1)) expect(b.text!.endsWith('\n')).toBe(true);
    let line = 1;
    for (const b of blocks) {
      expect(b.firstLine).toBe(line);
      line += (b.text!.match(/\n/g) ?? []).length;
    }
  });

  it('skips a line longer than maxLineLength without holding it, reporting its size and number', async () => {
    const blocks = await frames(`ok\n${'x'.repeat(50)}\nafter\n`, 10, 4);
    expect(blocks).toEqual([
      { firstLine: 1, text: 'ok\n' },
      { firstLine: 2, tooLong: 50 },
      { firstLine: 3, text: 'after\n' },
    ]);
    expect(await frames(`ok\n${'x'.repeat(50)}`, 10, 4)).toEqual([
      { firstLine: 1, text: 'ok\n' },
      { firstLine: 2, tooLong: 50 },
    ]);
  });
});

describe('block results', () => {
  it("decode(encode(results)) gives the results back in order", () => {
    const results: Transformed[] = [
      { kind: 'sample', ref: 'f.jsonl:1', sourceLine: 1, id: 'a', split: 'train', line: '{"x":1}', bytes: 8, keyHi: 5, keyLo: 6 },
      { kind: 'other' },
      { kind: 'reject', ref: 'f.jsonl:3', sourceLine: 3, stage: 'map', code: 'missing_field', message: 'no output' },
      { kind: 'sample', ref: 'f.jsonl:4', sourceLine: 4, id: 'b', split: 'validation', line: '{"y":"a\\nb"}', bytes: 13, keyHi: 7, keyLo: 8, pii: true, nearText: 'n' },
    ];
    const back = [...decode(encode(0, 0, results, true, false), 'f.jsonl')];
    expect(back).toEqual(results);
  });

  it('carries report digests, with and without prompt-conflict keys, when the report is on', () => {
    const digests = [digestSample({ prompt: 'héllo', completion: 'wörld' }), digestSample({ text: 'only a response' })];
    const results: Transformed[] = digests.map((digest, i) => ({
      kind: 'sample',
      ref: `f.jsonl:${i + 1}`,
      sourceLine: i + 1,
      id: '',
      split: 'train',
      line: '{}',
      bytes: 3,
      keyHi: i,
      keyLo: i,
      digest,
    }));
    expect(digests[1]!.conflict).toBeNull();
    expect([...decode(encode(0, 0, results, false, true), 'f.jsonl')]).toEqual(results);
  });
});
