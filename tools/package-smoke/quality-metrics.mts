// Installed alone: find personal data and exact duplicates across sample formats.
import { canonicalKey, detectPii, normalizeSample, type PiiSpan } from '@lorakit/quality-metrics';
import { createQualityAccumulator, digestSample, isMeasured } from '@lorakit/quality-metrics/accumulator';

const spans: PiiSpan[] = detectPii('Bitte an anna.keller@example.org schreiben, IBAN DE89 3704 0044 0532 0130 00.');
const types = spans.map((s) => s.type).sort();
if (!types.includes('email') || !types.includes('iban')) throw new Error(`expected email and iban, got ${types.join(',')}`);
const alpaca = { instruction: 'Wie hoch darf die Kaution sein?', input: '', output: 'Höchstens drei Monatsmieten.' };
const sample = normalizeSample(alpaca);
if (sample === undefined || sample.turns.length < 2) throw new Error('alpaca sample not recognised');
if (canonicalKey(alpaca) !== canonicalKey({ ...alpaca, output: 'Höchstens   drei Monatsmieten. ' })) {
  throw new Error('whitespace changes the duplicate key');
}
// The accumulator entry point, fed digests: the sample itself only where the content sample needs it.
const accumulator = createQualityAccumulator({ nearDup: false, sampleRate: 0.5 });
for (let line = 1; line <= 20; line++) {
  const s = { ...alpaca, output: `${alpaca.output} (${line % 10})` };
  const digest = digestSample(s);
  accumulator.addDigest(digest, { line }, isMeasured(digest, 0.5) ? s : undefined);
}
const report = accumulator.report();
if (report.exactDuplicates.duplicates !== 10 || report.sampling?.measured === undefined) {
  throw new Error(`accumulator entry: unexpected report ${JSON.stringify({ exact: report.exactDuplicates.duplicates, sampling: report.sampling })}`);
}
console.log(`detectPii: ${types.join(', ')}; normalizeSample: ${sample.format}; addDigest: ${report.sampling.measured} of 20 measured`);
