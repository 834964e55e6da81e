import { hash } from 'node:crypto';
import { QualityMetricsError } from './errors.js';
import { isNormalizedSample, normalizeSample, type NormalizedSample } from './normalize-sample.js';
import { CanonicalBytes } from './internal/canonical-bytes.js';
import { foldText } from './internal/fold.js';

export { foldText };

const canonical = new CanonicalBytes();

/** The text hashed by {@link canonicalKey}: `role\u001ftext` per turn, turns joined by `\u001e`. */
export function canonicalText(sample: NormalizedSample): string {
  let out = '';
  for (let i = 0; i < sample.turns.length; i++) {
    const turn = sample.turns[i]!;
    if (i > 0) out += '\u001e';
    out += turn.role + '\u001f' + foldText(turn.text);
  }
  return out;
}

/**
 * Exact-duplicate key of a sample: SHA-256 (node:crypto), as 64 hex digits, of the folded text of all turns with
 * their roles (Unicode NFC, whitespace runs folded to one space, trimmed). The source format does not matter: the
 * same conversation as alpaca and as `messages` gets the same key.
 *
 * @param sample a raw sample in any format {@link normalizeSample} recognises, or an already normalised one.
 * @throws QualityMetricsError `METRICS_UNRECOGNISED_SAMPLE` when the sample is in no known format.
 * @example
 * canonicalKey({ prompt: 'Hi  there', completion: 'Hello' }) === canonicalKey({ prompt: 'Hi there', completion: 'Hello' });
 */
export function canonicalKey(sample: unknown): string {
  const normalized = isNormalizedSample(sample) ? sample : normalizeSample(sample);
  if (normalized === undefined) {
    throw new QualityMetricsError(
      'METRICS_UNRECOGNISED_SAMPLE',
      'canonicalKey: the sample is not alpaca, messages, ShareGPT, prompt/completion or text; map it to one of these first',
    );
  }
  // The same bytes as canonicalText's UTF-8, written without building the string (see CanonicalBytes).
  canonical.write(normalized.turns);
  return hash('sha256', canonical.buf.subarray(0, canonical.length), 'hex');
}
