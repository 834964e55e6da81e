// `lorakit --help` start-up time: spawns the built bin 20 times and compares with `node -e 0` measured in the same
// run (interleaved), so the figure says what lorakit adds on top of Node's own start-up. Goal: under 200 ms.
// Run: npm run bench:cli   (or, with a build in place: node bench/cli/run.mjs)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'apps', 'cli', 'bin', 'lorakit.js');
if (!existsSync(join(root, 'apps', 'cli', 'dist', 'index.js'))) {
  console.error('bench/cli: apps/cli/dist is missing; run the build first (npm run setup)');
  process.exit(2);
}
const runs = Number(process.env.BENCH_RUNS ?? 20);

function once(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return ms;
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
}

// Interleaved (baseline, --help, --version per round) so that load from other processes hits all three alike.
const cases = { baseline: ['-e', '0'], help: [bin, '--help'], version: [bin, '--version'] };
const samples = { baseline: [], help: [], version: [] };
for (let i = 0; i < runs + 2; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const ms = once(args);
    if (i >= 2) samples[name].push(ms); // the first two rounds warm the file cache
  }
}
const baseline = stats(samples.baseline);
const help = stats(samples.help);
const version = stats(samples.version);
const fmt = (x) => `${x.toFixed(1)} ms`;
console.log(`node -e 0         median ${fmt(baseline.median)}  p95 ${fmt(baseline.p95)}  (baseline, ${runs} runs)`);
for (const [name, t] of [['lorakit --help', help], ['lorakit --version', version]]) {
  console.log(
    `${name.padEnd(17)} median ${fmt(t.median)}  p95 ${fmt(t.p95)}  ratio ${(t.median / baseline.median).toFixed(2)}x  ` +
      `(+${fmt(t.median - baseline.median)} over node)`,
  );
}
const ok = help.median < 200;
console.log(`goal: lorakit --help median under 200 ms: ${ok ? 'met' : 'NOT met'}`);
