import { hash } from 'node:crypto';
import { QualityMetricsError } from './errors.js';
import { isNormalizedSample, normalizeSample, type NormalizedSample } from './normalize-sample.js';

const WHITESPACE_RE = /\s+/gu;

/** Unicode NFC, whitespace runs folded to one space, trimmed. */
export function foldText(text: string): string {
  // Fast path: below U+0300 (the combining marks) every string is already NFC, and the only whitespace is ASCII
  // and U+00A0. Most text then needs no copy at all: single spaces between words, nothing to trim.
  const n = text.length;
  let clean = true;
  let prevSpace = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x300) return text.normalize('NFC').replace(WHITESPACE_RE, ' ').trim();
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
    if (space && (c !== 32 || prevSpace)) clean = false;
    prevSpace = space;
  }
  if (prevSpace && n > 0) clean = false;
  return clean ? text : text.replace(WHITESPACE_RE, ' ').trim();
}

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
  return hash('sha256', canonicalText(normalized), 'hex');
}
