// describeDataset throughput against the floor it cannot beat: one streamed read of the same file through
// sha256 alone (and, for .gz, sha256 plus gunzip). Run after building the package:
//   npx tsc -b packages/adapter-metadata/tsconfig.json && node packages/adapter-metadata/bench/describe-dataset.mjs [MiB]
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { describeDataset } from '../dist/index.js';

const mib = Number(process.argv[2] ?? 128);
const dir = await mkdtemp(join(tmpdir(), 'lorakit-bench-'));
const line = `${JSON.stringify({ instruction: 'Summarise the ticket.', input: 'x'.repeat(300), output: 'y'.repeat(200) })}\n`;
const lines = Math.ceil((mib * 1024 * 1024) / Buffer.byteLength(line));
const body = Buffer.from(line.repeat(lines));
const plain = join(dir, 'train.jsonl');
const gz = join(dir, 'train.jsonl.gz');
await writeFile(plain, body);
await writeFile(gz, gzipSync(body, { level: 6 }));

async function hashOnly(path) {
  await pipeline(createReadStream(path), createHash('sha256'));
}
async function hashAndGunzip(path) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), async function* (source) {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }, createGunzip(), async (source) => {
    for await (const chunk of source) void chunk;
  });
}
// Baseline and candidate alternate, best of N each, so load from other processes hits both alike.
async function compare(baseline, candidate, runs = 7) {
  let base = Infinity;
  let ours = Infinity;
  for (let i = 0; i < runs; i += 1) {
    let start = performance.now();
    await baseline();
    base = Math.min(base, performance.now() - start);
    start = performance.now();
    await candidate();
    ours = Math.min(ours, performance.now() - start);
  }
  return [base, ours];
}

const rssBefore = process.memoryUsage().rss;
const [entry] = await describeDataset([plain]);
if (entry.records !== lines) throw new Error(`counted ${entry.records} records, expected ${lines}`);
const results = [
  ['plain', ...(await compare(() => hashOnly(plain), () => describeDataset([plain])))],
  ['gzip', ...(await compare(() => hashAndGunzip(gz), () => describeDataset([gz])))],
];
const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
for (const [kind, baseline, ours] of results) {
  console.log(`${kind}: ${mib} MiB, ${lines} records: baseline ${baseline.toFixed(0)} ms, describeDataset ${ours.toFixed(0)} ms, ` +
    `ratio ${(ours / baseline).toFixed(2)}x, ${(mib / (ours / 1000)).toFixed(0)} MiB/s`);
}
console.log(`RSS growth during the runs: ${rssGrowth.toFixed(1)} MiB (file held once in memory by this script: ${mib} MiB)`);
await rm(dir, { recursive: true, force: true });
