import { hash } from 'node:crypto';
import { isNormalizedSample, normalizeSample, type NormalizedSample, type SampleFormat } from './normalize-sample.js';
import { CanonicalBytes } from './internal/canonical-bytes.js';
import { h32Raw, h64Raw } from './internal/xxhash.js';

/**
 * What the accumulator's exact tier needs of one sample (counts, character lengths, exact duplicates, prompt
 * conflicts and the content-sample verdict), as a few numbers: computed with {@link digestSample} where the sample
 * is, e.g. in the thread that already parsed it, and added with `QualityAccumulator.addDigest`, which needs the
 * sample itself only for what the digest cannot tell (see there).
 */
export interface SampleDigest {
  /** The sample's format, or null when it is in none that normalizeSample recognises. */
  format: SampleFormat | null;
  /** Code points of the prompt side (system and user turns joined by '\n'); -1 without such a turn. */
  promptChars: number;
  /** Code points of the response side (assistant turns joined by '\n'); -1 without such a turn. */
  responseChars: number;
  /**
   * The first 128 bits of the SHA-256 of the canonical text, as four big-endian uint32s: the first 64 bits of
   * `canonicalKey`'s hex digest are `key[0]` and `key[1]`.
   */
  key: readonly [number, number, number, number];
  /**
   * Prompt-conflict keys: xxHash64 of the canonical text before the last response (high and low uint32) and
   * xxHash32 of that response; null when no prompt turn comes before the last response.
   */
  conflict: readonly [number, number, number] | null;
}

/** The digest of a sample in no known format. */
export const UNRECOGNISED: SampleDigest = { format: null, promptChars: -1, responseChars: -1, key: [0, 0, 0, 0], conflict: null };

const shared = new CanonicalBytes();

/** Big-endian uint32 at `offset` of a digest held as a latin1 string (one character per byte). */
function u32(digest: string, offset: number): number {
  const hi = (digest.charCodeAt(offset) << 24) | (digest.charCodeAt(offset + 1) << 16);
  return (hi | (digest.charCodeAt(offset + 2) << 8) | digest.charCodeAt(offset + 3)) >>> 0;
}

/**
 * The digest of a normalised sample, written through `cb` (whose bytes then hold its canonical text). The SHA-256
 * comes back as a 'binary' (latin1) string, one character per byte: a Buffer digest costs a backing store per
 * call, about as much as the hash itself. The conflict keys use xxHash, ~1.3 µs per sample cheaper than SHA-256.
 */
export function digestNormalized(sample: NormalizedSample, cb: CanonicalBytes): SampleDigest {
  cb.write(sample.turns);
  const sha = hash('sha256', cb.buf.subarray(0, cb.length), 'binary');
  let conflict: SampleDigest['conflict'] = null;
  if (cb.lastAssistant > 0) {
    const pk = h64Raw(cb.buf.subarray(0, cb.promptEnd));
    const rh = h32Raw(cb.buf.subarray(cb.responseStart, cb.responseEnd), 0);
    conflict = [Number(pk >> 32n), Number(BigInt.asUintN(32, pk)), rh];
  }
  return {
    format: sample.format,
    promptChars: cb.promptChars,
    responseChars: cb.responseChars,
    key: [u32(sha, 0), u32(sha, 4), u32(sha, 8), u32(sha, 12)],
    conflict,
  };
}

/**
 * The {@link SampleDigest} of a sample (raw in any format normalizeSample knows, or normalised). Samples in no
 * known format get `format: null`, which the accumulator counts as unrecognised.
 *
 * @example
 * // A digest is what crosses threads; the sample itself is needed only where the accumulator measures it.
 * const accumulator = createQualityAccumulator({ nearDup: false, sampleRate: 0.02 });
 * const sample = { instruction: 'Add', input: '2+2', output: '4' };
 * const digest = digestSample(sample);
 * // The same as accumulator.add(sample, { line: 1 }).
 * accumulator.addDigest(digest, { line: 1 }, isMeasured(digest, 0.02) ? sample : undefined);
 */
export function digestSample(sample: unknown): SampleDigest {
  const normalized = isNormalizedSample(sample) ? sample : normalizeSample(sample);
  return normalized === undefined ? UNRECOGNISED : digestNormalized(normalized, shared);
}

/**
 * True when an accumulator with this `sampleRate` measures the content metrics of the sample (selection by bits
 * 64-95 of its canonical SHA-256, see `QualityAccumulatorOptions.sampleRate`).
 */
export function isMeasured(digest: SampleDigest, sampleRate: number): boolean {
  return digest.format !== null && digest.key[2] < sampleRate * 2 ** 32;
}
