// Validates a generated 100k-record instruction-tuning JSONL file three ways in one run and prints the ratios
// against a bare loop (readline + JSON.parse + ajv). Each variant runs in its own child process, BENCH_RUNS times (5), so its
// peak RSS is its own; the best wall time of the runs is reported.
// Usage: node bench/validate/run.mjs   (needs `npx tsc -b packages/schema-validation/tsconfig.json` first)
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, createWriteStream, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dataDir = join(root, 'bench', '.data');
const dataFile = join(dataDir, 'validate-100k.jsonl');
const schemaFile = join(dataDir, 'validate-schema.json');
const RECORDS = 100_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['id', 'instruction', 'output', 'lang', 'created', 'source'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid' },
    instruction: { type: 'string', minLength: 10, maxLength: 4000 },
    input: { type: 'string', maxLength: 8000 },
    output: { type: 'string', minLength: 20, maxLength: 16000 },
    lang: { enum: ['de', 'en', 'fr', 'es', 'it'] },
    created: { type: 'string', format: 'date-time' },
    source: { type: 'string', pattern: '^[a-z]+(-[a-z0-9]+)*$' },
    tags: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 8 },
    rating: { type: 'integer', minimum: 1, maximum: 5 },
  },
};

async function generate() {
  if (existsSync(dataFile) && statSync(dataFile).size > 50e6) return;
  mkdirSync(dataDir, { recursive: true });
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const words = 'der die das und ist nicht Übung Größe model adapter train data record value system user answer question summary the of to in for with on über für schön café naïve 👍'.split(' ');
  const text = (n) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ');
  const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const tmp = `${dataFile}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  for (let i = 0; i < RECORDS; i++) {
    const rec = {
      id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      instruction: text(12 + Math.floor(rand() * 20)),
      input: rand() < 0.5 ? text(10 + Math.floor(rand() * 30)) : '',
      output: text(40 + Math.floor(rand() * 60)),
      lang: ['de', 'en', 'fr', 'es', 'it'][i % 5],
      created: new Date(1.7e12 + i * 60_000).toISOString(),
      source: ['web-crawl', 'support-tickets', 'wiki-v2'][i % 3],
      tags: ['qa', 'support', 'de'].slice(0, 1 + (i % 3)),
      rating: 1 + (i % 5),
    };
    // About 2% invalid records, the way real exports go wrong: short output, bad date, unknown language.
    if (i % 50 === 7) rec.output = 'too short';
    if (i % 97 === 3) rec.created = 'yesterday';
    if (i % 89 === 5) rec.lang = 'xx';
    if (!out.write(`${JSON.stringify(rec)}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  renameSync(tmp, dataFile);
}

async function variantBare() {
  const { createInterface } = await import('node:readline');
  const { createReadStream } = await import('node:fs');
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const addFormats = (await import('ajv-formats')).default;
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let valid = 0;
  let invalid = 0;
  const rl = createInterface({ input: createReadStream(dataFile), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    if (validate(JSON.parse(line))) valid++;
    else invalid++;
  }
  return { ms: performance.now() - t0, cpuMs: cpuSince(c0), valid, invalid };
}

function cpuSince(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function variantLorakit() {
  const lib = await import(join(root, 'packages/schema-validation/dist/index.js'));
  const validator = await lib.compileSchema(JSON.parse(readFileSync(schemaFile, 'utf8')), { formats: 'assert' });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const reader = lib.validateJsonl(dataFile, validator);
  for await (const record of reader) void record;
  const { valid, invalid } = reader.summary();
  return { ms: performance.now() - t0, cpuMs: cpuSince(c0), valid, invalid };
}

function runChild(args, extraEnv = {}) {
  const rssFile = join(dataDir, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...extraEnv, LORAKIT_BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const wall = performance.now() - t0;
  const usage = existsSync(rssFile) ? JSON.parse(readFileSync(rssFile, 'utf8')) : { maxRSS: NaN, cpuMs: NaN };
  rmSync(rssFile, { force: true });
  return { res, wall, rssKiB: usage.maxRSS, processCpuMs: usage.cpuMs };
}

async function main() {
  const variant = process.argv[2];
  if (variant === '--bare' || variant === '--lorakit') {
    const r = variant === '--bare' ? await variantBare() : await variantLorakit();
    process.stdout.write(JSON.stringify(r));
    return;
  }
  await generate();
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
  const preload = join(here, 'rss-preload.mjs');
  const size = statSync(dataFile).size;
  console.log(`data: ${dataFile} (${(size / 1e6).toFixed(1)} MB, ${RECORDS} records), ${RUNS} runs per variant`);

  const cliBin = join(root, 'apps/cli/bin/lorakit.js');
  const cliBuilt = existsSync(cliBin) && existsSync(join(root, 'apps/cli/dist'));
  const variants = [
    { name: 'bare loop (readline + JSON.parse + ajv)', args: ['--import', preload, fileURLToPath(import.meta.url), '--bare'], inProcess: true },
    { name: 'validateJsonl (@lorakit/schema-validation)', args: ['--import', preload, fileURLToPath(import.meta.url), '--lorakit'], inProcess: true },
  ];
  if (cliBuilt) {
    variants.push({
      name: 'lorakit validate (CLI, --format json)',
      args: ['--import', preload, cliBin, 'validate', '--schema', schemaFile, dataFile, '--format', 'json'],
      inProcess: false,
    });
  } else {
    console.log('CLI not built (apps/cli/bin/lorakit.js + apps/cli/dist): skipping the CLI variant');
  }
  const best = new Map();
  for (let run = 0; run < RUNS; run++) {
    for (const v of variants) {
      const { res, wall, rssKiB, processCpuMs } = runChild(v.args);
      if (v.inProcess && res.status !== 0) throw new Error(`${v.name} failed: ${res.stderr}`);
      if (!v.inProcess && ((res.status !== 0 && res.status !== 1) || res.stdout.trim() === '')) {
        // The CLI is another engineer's build; a broken or stale one must not stop the library figures.
        console.log(`CLI variant skipped: exit ${res.status}, ${res.stderr.trim().split('\n').slice(0, 4).join(' | ')}`);
        variants.pop();
        break;
      }
      const ms = v.inProcess ? JSON.parse(res.stdout).ms : wall;
      const detail = v.inProcess ? JSON.parse(res.stdout) : { valid: NaN, invalid: NaN, cpuMs: processCpuMs };
      const prev = best.get(v.name);
      const all = [...(prev?.all ?? []), ms];
      const cpus = [...(prev?.cpus ?? []), detail.cpuMs];
      if (prev === undefined || ms < prev.ms) best.set(v.name, { ms, rssKiB, ...detail, wall, all, cpus });
      else Object.assign(prev, { all, cpus });
    }
  }
  const base = best.get(variants[0].name);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('variant'.padEnd(46), 'best ms'.padStart(9), 'median ms'.padStart(10), 'rec/s'.padStart(10), 'peak RSS'.padStart(10), 'time ratio'.padStart(11), 'median ratio'.padStart(13), 'CPU ratio'.padStart(10), 'RSS ratio'.padStart(10));
  for (const v of variants) {
    const b = best.get(v.name);
    console.log(
      v.name.padEnd(46),
      b.ms.toFixed(0).padStart(9),
      median(b.all).toFixed(0).padStart(10),
      Math.round((RECORDS / b.ms) * 1000).toLocaleString('en').padStart(10),
      `${(b.rssKiB / 1024).toFixed(0)} MiB`.padStart(10),
      `${(b.ms / base.ms).toFixed(2)}x`.padStart(11),
      `${(median(b.all) / median(base.all)).toFixed(2)}x`.padStart(13),
      `${(Math.min(...b.cpus) / Math.min(...base.cpus)).toFixed(2)}x`.padStart(10),
      `${(b.rssKiB / base.rssKiB).toFixed(2)}x`.padStart(10),
    );
  }
  const lk = best.get(variants[1].name);
  if (lk.valid !== base.valid || lk.invalid !== base.invalid) {
    throw new Error(`results differ: bare ${base.valid}/${base.invalid} vs lorakit ${lk.valid}/${lk.invalid}`);
  }
  console.log(`valid/invalid: ${base.valid}/${base.invalid} (both in-process variants agree)`);
  console.log('in-process variants time the validation loop only; the CLI time is the whole process (start-up included)');
  console.log(
    `goal: validateJsonl within 1.10x of the bare loop -> best ${(lk.ms / base.ms).toFixed(2)}x, median ` +
      `${(median(lk.all) / median(base.all)).toFixed(2)}x, CPU time ${(Math.min(...lk.cpus) / Math.min(...base.cpus)).toFixed(2)}x`,
  );
  console.log('CPU ratio (least CPU time of the runs) is the steadier figure on a busy machine');
  console.log('peak RSS is the whole child process (Node itself is about 40 MiB)');
}

await main();
