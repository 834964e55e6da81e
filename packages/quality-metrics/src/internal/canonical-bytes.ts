import { countCodePoints } from '@lorakit/schema-validation/count-code-points';
import type { Turn } from '../normalize-sample.js';
import { FOLDED, FOLD_UNICODE, applyFold, foldScan } from './fold.js';

const RECORD_SEPARATOR = 0x1e;
const UNIT_SEPARATOR = 0x1f;
const SPACE = 0x20;

/**
 * Writes the canonical text of a sample (`role\u001f` + folded text per turn, turns joined by `\u001e`, see
 * canonicalText) as UTF-8 into a reused buffer, and measures each side's length on the way.
 *
 * The bytes are what the exact-duplicate and prompt-conflict keys hash, so no string is built for them: ASCII
 * text (most of it) is copied once by `Buffer.write` and checked and folded in place, four bytes at a time where
 * nothing changes, several times faster than scanning the string with `charCodeAt`; other text takes
 * {@link foldScan}'s path. Roles are written as they are (a normalised sample passed in may carry any). The buffer
 * grows to three bytes per UTF-16 unit of the largest sample and is kept.
 */
export class CanonicalBytes {
  // Never from Buffer's shared pool: `words` views the same memory from offset 0.
  buf: Buffer = Buffer.allocUnsafeSlow(4096);
  private words = new Int32Array(this.buf.buffer, 0, this.buf.length >> 2);
  /** Bytes of the canonical text in {@link buf}. */
  length = 0;
  /** Bytes before the last assistant turn (its prompt: the turns before it, each ending in `\u001e`); 0 without one. */
  promptEnd = 0;
  /** Byte range of the last assistant turn's folded text. */
  responseStart = 0;
  responseEnd = 0;
  /** Index of the last assistant turn, -1 when there is none. */
  lastAssistant = -1;
  /**
   * Code points of the prompt (system and user turns) and response (assistant turns) sides, each side's raw turns
   * joined by '\n' the way the content metrics join them: a separator comes before a turn only once an earlier
   * turn of the side had text. -1 when the side has no turn.
   */
  promptChars = -1;
  responseChars = -1;

  write(turns: readonly Turn[]): void {
    let pos = 0;
    this.promptEnd = 0;
    this.responseStart = 0;
    this.responseEnd = 0;
    this.lastAssistant = -1;
    this.promptChars = -1;
    this.responseChars = -1;
    for (let i = 0; i < turns.length; i++) {
      const { role, text } = turns[i]!;
      // A UTF-16 unit is at most 3 UTF-8 bytes.
      this.reserve(pos, 2 + 3 * (role.length + text.length));
      let buf = this.buf;
      if (i > 0) buf[pos++] = RECORD_SEPARATOR;
      const assistant = role === 'assistant';
      if (assistant) {
        this.lastAssistant = i;
        this.promptEnd = pos;
      }
      pos = writeRole(buf, pos, role);
      buf[pos++] = UNIT_SEPARATOR;
      const start = pos;
      const written = buf.write(text, pos, 'utf8');
      let chars = text.length;
      if (written === text.length) {
        pos = foldAscii(buf, this.words, start, start + written);
      } else {
        const scan = foldScan(text);
        if (scan === FOLD_UNICODE) chars = countCodePoints(text);
        if (scan === FOLDED) pos = start + written;
        else {
          const folded = applyFold(text, scan);
          this.reserve(start, 3 * folded.length);
          buf = this.buf;
          pos = start + buf.write(folded, start, 'utf8');
        }
      }
      if (assistant) {
        this.responseStart = start;
        this.responseEnd = pos;
        this.responseChars = this.responseChars <= 0 ? chars : this.responseChars + 1 + chars;
      } else {
        this.promptChars = this.promptChars <= 0 ? chars : this.promptChars + 1 + chars;
      }
    }
    this.length = pos;
  }

  /** Makes room for `extra` bytes after the first `used`, keeping them. */
  private reserve(used: number, extra: number): void {
    if (used + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, used + extra));
    this.buf.copy(next, 0, 0, used);
    this.buf = next;
    this.words = new Int32Array(next.buffer, 0, next.length >> 2);
  }
}

const ROLE_BYTES: ReadonlyMap<string, readonly number[]> = new Map(
  ['system', 'user', 'assistant'].map((role) => [role, [...Buffer.from(role, 'latin1')]]),
);

/** Writes `role` at `pos` and returns the end: byte by byte for the three roles, a `Buffer.write` call is dearer. */
function writeRole(buf: Buffer, pos: number, role: string): number {
  const bytes = ROLE_BYTES.get(role);
  if (bytes === undefined) return pos + buf.write(role, pos, 'utf8');
  for (let i = 0; i < bytes.length; i++) buf[pos++] = bytes[i]!;
  return pos;
}

const isSpace = (b: number): boolean => b === SPACE || (b <= 13 && b >= 9);

/**
 * Folds the ASCII bytes [start, end) of `buf` in place (whitespace runs to one space, none at either end) and
 * returns the new end. ASCII whitespace is what `\s` matches below U+0080: tab, LF, VT, FF, CR and space.
 * Clean stretches are found four bytes at a time and moved with `copyWithin`, so text that needs no folding (most
 * of it) is only read, and text that does is moved once.
 */
function foldAscii(buf: Buffer, words: Int32Array, start: number, end: number): number {
  let w = start;
  let r = start;
  // The last byte kept; a space at the start makes leading whitespace a run to drop.
  let prev = SPACE;
  for (;;) {
    const stop = cleanUntil(buf, words, r, end, prev);
    if (stop > r) {
      if (w !== r) buf.copyWithin(w, r, stop);
      w += stop - r;
      prev = buf[w - 1]!;
      r = stop;
    }
    if (r === end) break;
    const b = buf[r]!;
    if (isSpace(b)) {
      let e = r + 1;
      while (e < end && isSpace(buf[e]!)) e++;
      if (prev !== SPACE) buf[w++] = prev = SPACE;
      r = e;
    } else {
      // A control character that is not whitespace: kept.
      buf[w++] = prev = b;
      r++;
    }
  }
  return w > start && prev === SPACE ? w - 1 : w;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * First index in [from, end) that folding may change, given the byte before `from` (`prev`): a byte below 0x20
 * (whitespace or control) or a space after a space. Bytes are ASCII. Word-at-a-time on little-endian machines.
 */
function cleanUntil(buf: Buffer, words: Int32Array, from: number, end: number, prev: number): number {
  let r = from;
  for (; r < end && (r & 3) !== 0; r++) {
    const b = buf[r]!;
    if (b < SPACE || (b === SPACE && prev === SPACE)) return r;
    prev = b;
  }
  if (LITTLE_ENDIAN) {
    // 0x80 marks the first byte of the next word as following a space.
    let carry = prev === SPACE ? 0x80 : 0;
    let i = r >> 2;
    const last = end >> 2;
    for (; i < last; i++) {
      const x = words[i]!;
      // Some byte is below 0x20 (exact as an "any" test for ASCII bytes).
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) break;
      const z = x ^ 0x20202020;
      // 0x80 in exactly the bytes that are spaces.
      const m = ~(((z & 0x7f7f7f7f) + 0x7f7f7f7f) | z | 0x7f7f7f7f);
      if ((m & ((m << 8) | carry)) !== 0) break;
      carry = (m >>> 31) << 7;
    }
    if (i << 2 > r) {
      r = i << 2;
      prev = buf[r - 1]!;
    }
  }
  for (; r < end; r++) {
    const b = buf[r]!;
    if (b < SPACE || (b === SPACE && prev === SPACE)) return r;
    prev = b;
  }
  return end;
}
