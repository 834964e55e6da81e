// Benchmark of @lorakit/quality-metrics on a generated 100k-sample corpus (run `npx tsc -b
// packages/quality-metrics/tsconfig.json` first; it imports the built dist/). Each phase runs in its own child
// process so its peak RSS is its own. Ratios are against a baseline measured in the same run: a loop that only
// JSON-parses and normalises each line. `accumulator@0.02` is `accumulator` with sampleRate 0.02: content metrics on
// 2% of the samples (chosen by content hash), counts, lengths, duplicates and conflicts on all of them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.BENCH_SAMPLES ?? 100_000);
const self = fileURLToPath(import.meta.url);

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ~100-word responses from a 20k-word synthetic vocabulary with a Zipf-ish skew; 3% exact duplicates (an earlier
// line again), 5% near duplicates (an earlier sample with one to three response words changed), 1% with PII, and the
// three formats lorakit writes mixed.
function corpus(n) {
  const rand = mulberry32(2024);
  const syl = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vel', 'or', 'pin', 'da', 'ex', 'qu', 'bri', 'no', 'ta', 'fe', 'the', 'and'];
  const vocab = [];
  const seen = new Set();
  while (vocab.length < 20000) {
    let w = '';
    const k = 1 + Math.floor(rand() * 4); // 18 + 18^2 + 18^3 + 18^4 possible words
    for (let i = 0; i < k; i++) w += syl[Math.floor(rand() * syl.length)];
    if (!seen.has(w)) {
      seen.add(w);
      vocab.push(w);
    }
  }
  const word = () => vocab[Math.floor(vocab.length * rand() * rand())];
  const text = (len) => Array.from({ length: len }, word).join(' ');
  const lines = [];
  const samples = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.03 && i > 0) {
      lines.push(lines[Math.floor(rand() * i)]);
      continue;
    }
    let prompt;
    let response;
    if (r < 0.08 && samples.length > 0) {
      const src = samples[Math.floor(rand() * samples.length)];
      const w = src.response.split(' ');
      const at = Math.floor(rand() * (w.length - 3));
      for (let j = 0; j < 1 + Math.floor(rand() * 3); j++) w[at + j] = word();
      prompt = src.prompt;
      response = w.join(' ');
    } else {
      prompt = `${text(8 + Math.floor(rand() * 10))}?`;
      response = text(80 + Math.floor(rand() * 40)) + (r > 0.99 ? ' mail me at someone@example.org.' : '.');
    }
    samples.push({ prompt, response });
    const f = i % 3;
    const sample =
      f === 0 ? { instruction: prompt, input: '', output: response }
      : f === 1 ? { messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: response }] }
      : { prompt, completion: response };
    lines.push(JSON.stringify(sample));
  }
  return lines;
}

async function phase(name) {
  const qm = await import('../../packages/quality-metrics/dist/index.js');
  const lines = corpus(N);
  const t0 = process.hrtime.bigint();
  let extra = {};
  if (name === 'baseline') {
    let turns = 0;
    for (const line of lines) turns += qm.normalizeSample(JSON.parse(line)).turns.length;
    extra = { turns };
  } else if (name === 'accumulator' || name === 'accumulator+neardup' || name === 'accumulator@0.02') {
    const options = name === 'accumulator' ? { nearDup: false } : name === 'accumulator@0.02' ? { nearDup: false, sampleRate: 0.02 } : {};
    const acc = qm.createQualityAccumulator(options);
    const half = lines.length >> 1;
    let tHalf = t0;
    for (let i = 0; i < lines.length; i++) {
      if (i === half) tHalf = process.hrtime.bigint();
      acc.add(JSON.parse(lines[i]), { line: i + 1 });
    }
    const secondHalf = Number(process.hrtime.bigint() - tHalf) / 1e9;
    const r = acc.report();
    extra = { exactDuplicateRate: r.exactDuplicates.rate, nearDuplicateRate: r.nearDuplicates?.rate ?? null, measured: r.sampling?.measured };
    // add() alone: the same loop's JSON.parse, timed again on its own, taken off. The second half of the corpus
    // shows the warm cost: code optimised, language model loaded.
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < half; i++) JSON.parse(lines[i]);
    const parseHalf = Number(process.hrtime.bigint() - t1) / 1e9;
    for (let i = half; i < lines.length; i++) JSON.parse(lines[i]);
    extra.parseSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    extra.warmAddSeconds = secondHalf - (extra.parseSeconds - parseHalf);
  } else if (name === 'neardup-index') {
    // As the accumulator uses it: estimate-only (a verifying index keeps 4 bytes per word more).
    const index = qm.createNearDupIndex({ verify: false });
    const texts = lines.map((l) => qm.normalizeSample(JSON.parse(l)).turns.map((t) => t.text).join('\n'));
    const t1 = process.hrtime.bigint();
    let dups = 0;
    for (let i = 0; i < texts.length; i++) if (index.add(i + 1, texts[i]) !== undefined) dups++;
    const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
    extra = { dups, indexSeconds: seconds, indexBytes: index.bytes };
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ name, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, ...extra }));
}

if (process.argv[2] === '--phase') {
  await phase(process.argv[3]);
} else {
  const run = (name) => JSON.parse(execFileSync(process.execPath, [self, '--phase', name], { encoding: 'utf8', env: { ...process.env, BENCH_SAMPLES: String(N) } }));
  const base = run('baseline');
  const results = [base, run('accumulator'), run('accumulator+neardup'), run('neardup-index'), run('accumulator@0.02')];
  const rate = (r) => N / r.seconds;
  const us = (seconds) => ((seconds / N) * 1e6).toFixed(2);
  console.log(`@lorakit/quality-metrics bench: ${N.toLocaleString('en-US')} generated samples (~100-word responses), node ${process.version}`);
  console.log('phase                    records/s   µs/sample   x baseline time   peak RSS   add() µs/sample (warm)');
  for (const r of results) {
    const warm = r.warmAddSeconds === undefined ? '' : ` (${((r.warmAddSeconds / (N - (N >> 1))) * 1e6).toFixed(2)})`;
    const add = r.parseSeconds === undefined ? '' : us(r.seconds - r.parseSeconds).padStart(15) + warm;
    console.log(`${r.name.padEnd(24)} ${Math.round(rate(r)).toLocaleString('en-US').padStart(10)}   ${us(r.seconds).padStart(9)}   ${(r.seconds / base.seconds).toFixed(1).padStart(15)}   ${r.peakRssMiB.toFixed(0).padStart(5)} MiB   ${add}`);
  }
  const sampled = results[4];
  const full = results[1];
  console.log(`sampleRate 0.02: content metrics on ${sampled.measured.toLocaleString('en-US')} samples; ` +
    `${(full.seconds / sampled.seconds).toFixed(1)}x faster than the full accumulator, ${(sampled.seconds / base.seconds).toFixed(2)}x the baseline time`);
  console.log('(add() µs/sample = the phase minus its JSON.parse, timed again alone, so it includes loading the language model, ~0.2 s, and');
  console.log(' warming up; warm = the same over the second half of the corpus)');
  console.log('(peak RSS includes the generated corpus held in memory, see baseline, and V8 garbage not yet collected)');
  const nd = results[3];
  const withNd = results[2];
  const without = results[1];
  const perSample = nd.indexSeconds / N;
  console.log(`near-dup index alone: ${Math.round(N / nd.indexSeconds).toLocaleString('en-US')} texts/s, ` +
    `${(nd.indexBytes / N).toFixed(0)} bytes/text held; extrapolated to 1M: ${(perSample * 1e6).toFixed(0)} s ` +
    `(goal < 180 s), ~${((nd.indexBytes / N) * 1e6 / 2 ** 30).toFixed(2)} GiB`);
  console.log(`near-dup cost inside the accumulator: +${(withNd.seconds - without.seconds).toFixed(1)} s per ${N.toLocaleString('en-US')} ` +
    `=> ~${(((withNd.seconds - without.seconds) / N) * 1e6).toFixed(0)} s per 1M`);
  console.log(`duplicates found: exact ${(withNd.exactDuplicateRate * 100).toFixed(2)}%, near ${(withNd.nearDuplicateRate * 100).toFixed(2)}% (planted: 3% exact, 5% near)`);
}
