// Export benchmark: `lorakit export` (runExport: instruction style, JSON Schema validation, exact dedup, quality
// metrics) against a plain Node loop (chunked read, JSON.parse, map, JSON.stringify, write; no validation) on the
// same generated JSONL file, each in its own child process so each gets its own peak RSS. Another child, the floor,
// does by hand only the steps the export must do (see floorChild): the goal cannot be nearer than it. A last child
// does the same on both cores (floorTwoThreadsChild): each thread runs the floor on its half of the file, with nothing to
// coordinate, the best any split of the work across two threads can do.
//
//   npm run bench:export            (sets up and builds first)
//   node bench/export/run.mjs [--scale 10] [--runs 3] [--keep] [--no-metrics]
//
// --runs N runs each child N times, in turn, and prints the median wall and CPU time and the highest peak RSS: on a
// shared or virtual machine one run can be off by a third.
// --scale N multiplies the 100k records (~70 MB) by N, to check that peak RSS stays flat as input grows.
// A second child runs runExport with quality metrics off, to show what the report costs on its own;
// --no-metrics runs only that one. runExport uses its defaults (automatic worker threads and report sample);
// BENCH_WORKERS=N sets `worker_threads` instead. CPU is user+system time of all the child's threads. The runExport
// children set V8's heap flags as the `lorakit` executable does (bin/lorakit.js): no allocation-site pretenuring, and
// a heap that grows by half after a full collection.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { createHash, hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const BASE_RECORDS = 100_000;

const WORDS = (
  'the of and to in is that for it as with was on be by this are from or at an which law court decision ' +
  'environment permit emission water soil protection authority regulation article paragraph federal state ' +
  'application procedure appeal review evidence expert opinion standard limit value measure obligation ' +
  'operator installation notice hearing deadline plan assessment impact species habitat noise air waste'
).split(' ');

// xorshift32: a seeded generator so every run benchmarks the same bytes.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function sentence(rand, words) {
  let s = '';
  for (let i = 0; i < words; i++) s += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return `${s[0].toUpperCase()}${s.slice(1)}.`;
}

async function generate(path, records) {
  const rand = rng(42);
  const out = createWriteStream(path);
  const base = Date.parse('2024-01-01T00:00:00Z');
  let chunk = '';
  for (let i = 0; i < records; i++) {
    // One record in a hundred repeats an earlier one, so exact dedup has work to do.
    const r = rng(i % 100 === 99 ? i - 50 : i + 1);
    const rec = {
      id: `rec-${i}`,
      instruction: sentence(r, 14),
      input: sentence(r, 28),
      output: `${sentence(r, 30)} ${sentence(r, 14)}`,
      created_at: new Date(base + Math.floor(rand() * 6e10)).toISOString(),
      weight: Math.round(rand() * 150) / 100,
      meta: { source: rand() < 0.5 ? 'court' : 'agency', theme: 'Umweltrecht' },
    };
    chunk += `${JSON.stringify(rec)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

// The lines of a file (or of the bytes [start, end) of it), a chunk's worth at a time.
async function* lineBatches(input, start = 0, end = Infinity) {
  let rest = '';
  for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 16, start, end: end - 1 })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    yield lines;
  }
  if (rest.length > 0) yield [rest];
}

async function plainChild(input, outDir) {
  const out = createWriteStream(join(outDir, 'train.jsonl'));
  let buf = '';
  for await (const lines of lineBatches(input)) {
    for (const line of lines) {
      if (line.length === 0) continue;
      const r = JSON.parse(line);
      buf += `${JSON.stringify({ instruction: r.instruction, input: r.input, output: r.output })}\n`;
    }
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

// The steps the export's specification asks for, hand-written on one thread with nothing else: chunked read,
// JSON.parse, map, weight (length and freshness factors), JSON Schema validation (ajv, compiled once), an
// exact-dedup key (SHA-256 of the texts folded as canonicalKey folds them: NFC, whitespace runs to one space), a
// split hash of the id (MD5, as unitHash), JSON.stringify, and a write that hashes what it writes (the manifest's
// SHA-256). No rejects file, report, metadata, locks or atomic rename. What it takes over the plain loop is what
// those steps cost on their own, whatever the code around them; it exports the same number of records.
// With start/end it does so on those bytes of the file, writing files named with `part`.
async function floorChild(input, outDir, start = 0, end = Infinity, part = '') {
  const { default: Ajv } = await import('ajv/dist/2020.js');
  const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
  const now = Date.parse('2026-01-01T00:00:00Z');
  const seen = new Set();
  // Printable ASCII with single inner spaces is folded already (most text): only other text pays for the folding.
  const folded = /^[\x21-\x7e](?:[\x21-\x7e]| (?=[\x21-\x7e]))*$/;
  const fold = (text) => (folded.test(text) ? text : text.normalize('NFC').replace(/\s+/g, ' ').trim());
  let exported = 0;
  const outs = {
    train: createWriteStream(join(outDir, `train${part}.jsonl`)),
    validation: createWriteStream(join(outDir, `validation${part}.jsonl`)),
  };
  const digests = { train: createHash('sha256'), validation: createHash('sha256') };
  const bufs = { train: '', validation: '' };
  const flush = async (split) => {
    digests[split].update(bufs[split]);
    if (!outs[split].write(bufs[split])) await once(outs[split], 'drain');
    bufs[split] = '';
  };
  for await (const lines of lineBatches(input, start, end)) {
    for (const line of lines) {
      if (line.length === 0) continue;
      const r = JSON.parse(line);
      const length = 1 + Math.min(0.5, r.output.length / 2000);
      const freshness = 0.5 + 0.5 * 2 ** (-Math.max(0, now - Date.parse(r.created_at)) / 86_400_000 / 180);
      const sample = { instruction: r.instruction, input: r.input, output: r.output, weight: Math.min(2, Math.max(0, r.weight * length * freshness)) };
      if (!validate(sample)) continue;
      const key = hash('sha256', `${fold(sample.instruction)}\u0000${fold(sample.input)}\u0000${fold(sample.output)}`, 'base64');
      if (seen.has(key)) continue;
      seen.add(key);
      const split = Number.parseInt(hash('md5', `42\u0000${r.id}`, 'hex').slice(0, 13), 16) / 2 ** 52 < 0.05 ? 'validation' : 'train';
      bufs[split] += `${JSON.stringify(sample)}\n`;
      exported++;
      if (bufs[split].length > 1 << 16) await flush(split);
    }
  }
  for (const split of ['train', 'validation']) {
    await flush(split);
    outs[split].end();
    await once(outs[split], 'finish');
    digests[split].digest('hex');
  }
  return { exported };
}

// The floor on both cores: a worker thread takes the second half of the file (from the first line start after the
// middle), this thread the first, each with its own dedup set and output files. Nothing is coordinated (duplicates
// across the halves are kept, the two halves' files are not joined), so no real export split across two threads
// can be faster. It includes the worker's start-up, as an export's would.
async function floorTwoThreadsChild(input, outDir) {
  const file = await open(input);
  const size = (await file.stat()).size;
  const probe = Buffer.alloc(1 << 20);
  const { bytesRead } = await file.read(probe, 0, probe.length, Math.floor(size / 2));
  await file.close();
  const newline = probe.subarray(0, bytesRead).indexOf(10);
  const middle = newline < 0 ? size : Math.floor(size / 2) + newline + 1;
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { input, outDir, start: middle, end: size } });
  const second = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const first = await floorChild(input, outDir, 0, middle, '-first');
  return { exported: first.exported + (await second).exported };
}

const SCHEMA = {
  type: 'object',
  required: ['instruction', 'output'],
  properties: {
    instruction: { type: 'string', minLength: 1 },
    input: { type: 'string' },
    output: { type: 'string', minLength: 1 },
    weight: { type: 'number', minimum: 0 },
  },
};

async function lorakitChild(input, outDir, metrics, workers) {
  const { parseExportConfig, runExport } = await import('../../packages/jsonl-exporter/dist/index.js');
  const config = parseExportConfig({
    source: { type: 'jsonl', path: input },
    style: 'instruction',
    structured_gen: { enabled: true, json_schema: SCHEMA },
    dedup: { exact: true },
    quality_metrics: { enabled: metrics },
    split: { validation: 0.05, id_field: 'id' },
    weighting: { timestamp_field: 'created_at', now: '2026-01-01T00:00:00Z' },
    output: { dir: join(outDir, 'export'), overwrite: true },
    ...(workers === undefined ? {} : { worker_threads: workers }),
  });
  const result = await runExport(config);
  return { exported: result.stats.exported, rejected: result.stats.rejected };
}

async function child(kind, input, outDir) {
  // As bin/lorakit.js does for `lorakit export` (see there).
  if (kind.startsWith('lorakit')) {
    setFlagsFromString('--no-allocation-site-pretenuring');
    setFlagsFromString('--heap-growing-percent=50');
  }
  const t0 = process.hrtime.bigint();
  const workers = process.env.BENCH_WORKERS === undefined ? undefined : Number(process.env.BENCH_WORKERS);
  let extra;
  if (kind === 'plain') extra = await plainChild(input, outDir);
  else if (kind === 'floor') extra = await floorChild(input, outDir);
  else if (kind === 'floor-2') extra = await floorTwoThreadsChild(input, outDir);
  else extra = await lorakitChild(input, outDir, kind === 'lorakit', workers);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // maxRSS is in kilobytes.
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ kind, wallMs, cpuS, maxRssMB, ...extra })}\n`);
}

function runChild(kind, input, outDir) {
  const res = spawnSync(process.execPath, [join(HERE, 'run.mjs'), '--child', kind, input, outDir], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (res.status !== 0) throw new Error(`${kind} child failed (${res.status}):\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2], args[3]);
  const scaleAt = args.indexOf('--scale');
  const scale = scaleAt >= 0 ? Number(args[scaleAt + 1]) : 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new Error('--scale needs a positive number');
  const records = Math.round(BASE_RECORDS * scale);
  const dir = await mkdtemp(join(tmpdir(), 'lorakit-bench-export-'));
  try {
    const input = join(dir, 'records.jsonl');
    await generate(input, records);
    const size = (await stat(input)).size;
    console.log(`input: ${records} records, ${(size / 1e6).toFixed(1)} MB (node ${process.version})`);
    const runsAt = args.indexOf('--runs');
    const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
    const kinds = ['plain', 'floor', 'floor-2', 'lorakit-no-metrics', ...(args.includes('--no-metrics') ? [] : ['lorakit'])];
    const results = new Map(kinds.map((kind) => [kind, []]));
    // In turn, so that a slow spell of the machine does not fall on one kind only.
    for (let i = 0; i < runs; i++) for (const kind of kinds) results.get(kind).push(runChild(kind, input, dir));
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const summary = (kind) => {
      const rs = results.get(kind);
      return { ...rs[0], wallMs: median(rs.map((r) => r.wallMs)), cpuS: median(rs.map((r) => r.cpuS)), maxRssMB: Math.max(...rs.map((r) => r.maxRssMB)) };
    };
    const fmt = (r) =>
      `${(r.wallMs / 1000).toFixed(2)} s (CPU ${r.cpuS.toFixed(2)} s), ${(records / (r.wallMs / 1000) / 1000).toFixed(1)}k rec/s, peak RSS ${r.maxRssMB.toFixed(0)} MB`;
    if (runs > 1) console.log(`${runs} runs each: median wall and CPU, highest peak RSS`);
    const plain = summary('plain');
    console.log(`plain loop               : ${fmt(plain)}`);
    const floor = summary('floor');
    console.log(`floor (steps, by hand)   : ${fmt(floor)}  ratio ${(floor.wallMs / plain.wallMs).toFixed(2)}x (exported ${floor.exported})`);
    const floor2 = summary('floor-2');
    console.log(`floor on 2 threads       : ${fmt(floor2)}  ratio ${(floor2.wallMs / plain.wallMs).toFixed(2)}x (halves not joined)`);
    const bare = summary('lorakit-no-metrics');
    console.log(`runExport, metrics off   : ${fmt(bare)}  ratio ${(bare.wallMs / plain.wallMs).toFixed(2)}x`);
    if (kinds.includes('lorakit')) {
      const full = summary('lorakit');
      console.log(`runExport, metrics on    : ${fmt(full)}  ratio ${(full.wallMs / plain.wallMs).toFixed(2)}x (exported ${full.exported}, rejected ${full.rejected})`);
    }
    console.log('goal: runExport with metrics <= 1.3x the plain loop; peak RSS < 300 MB and flat at --scale 10');
  } finally {
    if (!args.includes('--keep')) await rm(dir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else {
  const { input, outDir, start, end } = workerData;
  parentPort.postMessage(await floorChild(input, outDir, start, end, '-second'));
}
