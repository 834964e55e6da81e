// Server benchmark, loopback only, bounded in count and time:
//  1. autocannon against POST /v1/validate with one JSON sample per request (requests/s, p99 latency), against the
//     same validator called in-process (the baseline: what HTTP, auth, rate limiting and JSON cost on top);
//  2. a streaming export of 100k records through POST /v1/export/stream (records/s) against runExport (what
//     `lorakit export` runs) on the same records with the same config, in the same run; plus the server's peak RSS.
//
//   npx tsc -b apps/server/tsconfig.json && node bench/server/run.mjs [--records 100000] [--seconds 5]
//
// The server runs as its own process (the built bin), so its peak RSS (VmHWM) is its own.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { compileSchema } from '@lorakit/schema-validation';
import { parseExportConfig, runExport } from '@lorakit/jsonl-exporter';

// Node 20's global fetch (undici), taken from globalThis for the linter's sake.
const { fetch } = globalThis;
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const RECORDS = arg('records', 100_000);
const SECONDS = arg('seconds', 5);
const TOKEN = 'bench-admin-token-0123456789';
const BIN = fileURLToPath(new URL('../../apps/server/bin/lorakit-server.js', import.meta.url));

const SCHEMA = {
  type: 'object',
  required: ['instruction', 'output'],
  properties: {
    instruction: { type: 'string', minLength: 5 },
    input: { type: 'string' },
    output: { type: 'string', minLength: 10 },
    created_at: { type: 'string', format: 'date-time' },
  },
};
const SAMPLE = {
  instruction: 'Summarise the permit decision of the environmental authority.',
  input: 'The authority granted the permit subject to noise limits.',
  output: 'The permit was granted with conditions limiting noise at night.',
  created_at: '2024-05-01T10:00:00Z',
};
const EXPORT_CONFIG = { style: 'chat', split: { validation: 0.1 }, dedup: { exact: true } };

function record(i) {
  return {
    id: `rec-${i}`,
    instruction: `Question ${i}: what does the permit decision ${i % 977} require of the operator?`,
    input: i % 3 === 0 ? '' : `Context ${i % 131}: emission limits and a hearing deadline apply.`,
    output: `Answer ${i}: the operator must respect limit value ${i % 89} and notify the authority within ${i % 30} days.`,
  };
}

async function generate(path) {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < RECORDS; i++) {
    chunk += `${JSON.stringify(record(i))}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function startServer(dir) {
  const config = join(dir, 'server.yaml');
  writeFileSync(config, 'limits:\n  rate_limit_max: 1000000000\n  stream_records: 10000000\n  stream_body_bytes: 10000000000\n');
  const child = spawn(process.execPath, [BIN, '--port', '0', '--data-dir', join(dir, 'data'), '--config', config], {
    env: { ...process.env, LORAKIT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'error', DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  for (let i = 0; i < 300 && !/listening on (\S+)/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
  const url = /listening on (\S+)/.exec(stderr)?.[1];
  if (!url) throw new Error(`server did not start: ${stderr}`);
  return { child, url };
}

function peakRssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

async function validateBaseline() {
  const validator = await compileSchema(SCHEMA, { formats: 'assert' });
  const body = JSON.stringify({ schema: SCHEMA, sample: SAMPLE });
  // Baseline: what the server does per request minus HTTP: parse the body, validate, serialise the answer.
  const end = performance.now() + 2000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) {
      const parsed = JSON.parse(body);
      const r = validator.validate(parsed.sample);
      JSON.stringify({ valid: r.success, issues: r.success ? [] : r.issues });
    }
    n += 1000;
  }
  return n / 2;
}

async function validateHttp(url) {
  const result = await autocannon({
    url: `${url}/v1/validate`,
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ schema: SCHEMA, sample: SAMPLE }),
    connections: 16,
    duration: SECONDS,
  });
  if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx answers from /v1/validate`);
  return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50, errors: result.errors };
}

async function exportBaseline(dir, input) {
  const config = parseExportConfig({
    ...EXPORT_CONFIG,
    source: { type: 'jsonl', path: input },
    output: { dir: join(dir, 'baseline-out') },
    quality_metrics: { enabled: false },
    adapter_metadata: { enabled: false },
  });
  const start = performance.now();
  const result = await runExport(config, { cwd: dir });
  const seconds = (performance.now() - start) / 1000;
  return { records: result.stats.read, exported: result.stats.exported, rps: result.stats.read / seconds, seconds };
}

async function exportStream(url, input) {
  const header = Buffer.from(`${JSON.stringify({ config: EXPORT_CONFIG })}\n`);
  const body = Readable.toWeb(
    Readable.from(
      (async function* () {
        yield header;
        yield* createReadStream(input, { highWaterMark: 1 << 16 });
      })(),
    ),
  );
  const start = performance.now();
  const res = await fetch(`${url}/v1/export/stream?stats=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
    body,
    duplex: 'half',
  });
  if (res.status !== 200) throw new Error(`export/stream answered ${res.status}: ${await res.text()}`);
  let lines = 0;
  let tail = '';
  let last = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    const text = tail + decoder.decode(chunk, { stream: true });
    let at = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', at)) {
      lines++;
      if (nl + 1 === text.length) last = text.slice(at, nl);
      at = nl + 1;
    }
    tail = text.slice(at);
  }
  const seconds = (performance.now() - start) / 1000;
  // The last line is the { stats } summary (?stats=true); the rest are training lines.
  const stats = JSON.parse(last).stats;
  return { lines: lines - 1, rps: RECORDS / seconds, seconds, stats };
}

const dir = await mkdtemp(join(tmpdir(), 'lorakit-bench-server-'));
const input = join(dir, 'records.jsonl');
let server;
try {
  await generate(input);
  server = await startServer(dir);
  const rssStart = peakRssMiB(server.child.pid);

  const base = await validateBaseline();
  const http = await validateHttp(server.url);
  const rssAfterValidate = peakRssMiB(server.child.pid);

  const baseline = await exportBaseline(dir, input);
  const stream = await exportStream(server.url, input);
  const rssPeak = peakRssMiB(server.child.pid);

  const f = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`lorakit server benchmark (node ${process.version}, ${RECORDS} records, autocannon ${SECONDS}s x 16 connections)`);
  console.log('');
  console.log('POST /v1/validate, one JSON sample per request');
  console.log(`  in-process validate (baseline)  ${f(base)} samples/s`);
  console.log(`  over HTTP (autocannon)          ${f(http.rps)} req/s   p50 ${f(http.p50, 1)} ms   p99 ${f(http.p99, 1)} ms`);
  console.log(`  ratio HTTP / in-process         ${f(http.rps / base, 3)}`);
  console.log('');
  console.log(`POST /v1/export/stream, ${RECORDS} records (style chat, exact dedup, 10% validation split)`);
  console.log(`  runExport (baseline, files)     ${f(baseline.rps)} records/s   (${f(baseline.seconds, 2)} s)`);
  console.log(`  /v1/export/stream               ${f(stream.rps)} records/s   (${f(stream.seconds, 2)} s, ${stream.lines} lines out)`);
  console.log(`  ratio stream / runExport        ${f(stream.rps / baseline.rps, 2)}`);
  console.log('');
  console.log(`server peak RSS (VmHWM): at start ${f(rssStart, 1)} MiB, after validate ${f(rssAfterValidate, 1)} MiB, after export ${f(rssPeak, 1)} MiB`);
  if (stream.stats?.read !== RECORDS || stream.stats?.exported !== baseline.exported) {
    throw new Error(`stream and runExport disagree: stream ${JSON.stringify(stream.stats)} vs baseline exported ${baseline.exported}`);
  }
} finally {
  if (server) {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
  }
  await rm(dir, { recursive: true, force: true });
}
