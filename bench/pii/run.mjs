// PII detection on adversarial text: each input is timed at 256 KB and at 1 MB in the same run, and the ratio of the
// two is printed. Linear time gives ~4x (four times the text); a detector that rescans or compares every span with
// every other gives ~16x. Also the cost of phone regions on prose with numbers.
//
//   npm run bench:pii        (sets up and builds first)
//   node bench/pii/run.mjs   (with a build in place)
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../packages/quality-metrics/dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('bench/pii: packages/quality-metrics/dist is missing; run the build first (npm run setup)');
  process.exit(2);
}
const { detectPii } = await import(dist);

// Each builds about `bytes` of text from a repeated unit.
const repeat = (unit, bytes) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const INPUTS = {
  'hex token beside an @': (n) => `${repeat('a1b2c3d4', n)} ana@example.org`,
  'dotted token beside an @': (n) => `${repeat('a.', n)}@`,
  'addresses, one span each': (n) => repeat('8.8.8.8 ', n),
  'phone numbers': (n) => repeat('Tel. +49 30 1234567, ', n),
  'digits and spaces': (n) => repeat('0 1 2 3 4 5 6 7 8 9 ', n),
};

function time(fn) {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const SMALL = 256 * 1024;
const LARGE = 1024 * 1024;
console.log(`${'input'.padEnd(28)} ${'256 KB'.padStart(9)} ${'1 MB'.padStart(9)}  ratio (linear ~4x)`);
for (const [name, make] of Object.entries(INPUTS)) {
  const small = make(SMALL);
  const large = make(LARGE);
  const a = time(() => detectPii(small));
  const b = time(() => detectPii(large));
  console.log(`${name.padEnd(28)} ${`${a.toFixed(1)} ms`.padStart(9)} ${`${b.toFixed(1)} ms`.padStart(9)}  ${(b / a).toFixed(1)}x`);
}

// Phone regions: German prose with numbers, dates and amounts, 1 MB in lines of ~200 characters.
const line = 'Am 05.10.2025 zahlte die Kundin 2.125,00 EUR (Bestellnummer 012-345-678); Rückruf unter 0171 2345678 oder 030 1234567, Az. 2 StR 123/21. ';
const lines = repeat(line, LARGE).match(/.{1,200}/g);
const none = time(() => lines.forEach((l) => detectPii(l)));
const regions = { phoneRegions: ['DE'] };
const de = time(() => lines.forEach((l) => detectPii(l, regions)));
console.log(`phone regions, 1 MB of German prose in ${lines.length} lines: none ${none.toFixed(0)} ms, DE ${de.toFixed(0)} ms (${(de / none).toFixed(1)}x)`);
