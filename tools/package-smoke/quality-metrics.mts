// Installed alone: find personal data and exact duplicates across sample formats.
import { canonicalKey, detectPii, normalizeSample, type PiiSpan } from '@lorakit/quality-metrics';

const spans: PiiSpan[] = detectPii('Bitte an anna.keller@example.org schreiben, IBAN DE89 3704 0044 0532 0130 00.');
const types = spans.map((s) => s.type).sort();
if (!types.includes('email') || !types.includes('iban')) throw new Error(`expected email and iban, got ${types.join(',')}`);
const alpaca = { instruction: 'Wie hoch darf die Kaution sein?', input: '', output: 'Höchstens drei Monatsmieten.' };
const sample = normalizeSample(alpaca);
if (sample === undefined || sample.turns.length < 2) throw new Error('alpaca sample not recognised');
if (canonicalKey(alpaca) !== canonicalKey({ ...alpaca, output: 'Höchstens   drei Monatsmieten. ' })) {
  throw new Error('whitespace changes the duplicate key');
}
console.log(`detectPii: ${types.join(', ')}; normalizeSample: ${sample.format}`);
