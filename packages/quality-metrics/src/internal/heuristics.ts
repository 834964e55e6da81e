import { fmix32 } from './xxhash.js';

/** Codes of the heuristic flags, in report order. */
export const FLAG_CODES = [
  'word_repetition',
  'char_repetition',
  'low_alphanumeric',
  'special_characters',
  'empty_turn',
  'template_placeholder',
  'special_token',
  'refusal',
  'unterminated_response',
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

/** Thresholds of the ratio flags. */
export interface FlagThresholds {
  wordRepetition: number;
  charRepetition: number;
  minAlphanumeric: number;
  maxSpecialCharacters: number;
  minWords: number;
}

/**
 * The thresholds of the ratio flags that the accumulator's `flagThresholds` option leaves out. The ratio flags (and
 * MTLD) measure responses of at least `minWords` words.
 */
export const DEFAULT_FLAG_THRESHOLDS: Readonly<FlagThresholds> = {
  wordRepetition: 0.2,
  charRepetition: 0.5,
  minAlphanumeric: 0.6,
  maxSpecialCharacters: 0.2,
  minWords: 50,
};

const PLACEHOLDER_RE = /\{\{|\}\}|\{(?:input|instruction|question|context|output|response|prompt|query|text|answer)\}/;
const SPECIAL_TOKEN_RE =
  /<\|(?:im_start|im_end|eot_id|begin_of_text|end_of_text|start_header_id|end_header_id|endoftext|user|assistant|system|end)\|>|<\/s>|<s>|\[\/?INST\]|<start_of_turn>|<end_of_turn>/;
const FENCE_RE = /^\s*```/gm;
const ALNUM_RE = /[\p{L}\p{N}]/u;
// "Special" = not a letter, digit, mark, whitespace or common punctuation.
const ORDINARY_RE = /[\p{L}\p{M}\p{N}\s.,;:!?'"()\-–—’“”]/u;
const CHAR_LIMIT = 20000;

// One reusable open-addressing set of 32-bit hashes for the repetition ratios: a JS Set per record was the
// accumulator's largest single cost. Slot value 0 marks empty, so hashes are stored as (h | 1).
let scratch = new Int32Array(4096);

function resetScratch(items: number): Int32Array {
  let cap = scratch.length;
  while (cap < items * 2) cap *= 2;
  if (cap !== scratch.length) scratch = new Int32Array(cap);
  else scratch.fill(0);
  return scratch;
}

/** Inserts `h` into `table`; returns true when it was already present. */
function seenBefore(table: Int32Array, h: number): boolean {
  const mask = table.length - 1;
  const v = h | 1;
  let slot = fmix32(h) & mask;
  for (;;) {
    const cur = table[slot]!;
    if (cur === 0) {
      table[slot] = v;
      return false;
    }
    if (cur === v) return true;
    slot = (slot + 1) & mask;
  }
}

/** Share of word n-gram occurrences that repeat an earlier one in the same text. */
export function wordNgramRepetition(words: readonly string[], wordHashes: Uint32Array, n: number): number {
  const total = words.length - n + 1;
  if (total <= 0) return 0;
  const table = resetScratch(total);
  let repeats = 0;
  for (let i = 0; i < total; i++) {
    let h = 0x811c9dc5;
    for (let j = 0; j < n; j++) h = Math.imul(h ^ wordHashes[i + j]!, 0x01000193);
    if (seenBefore(table, h)) repeats++;
  }
  return repeats / total;
}

const BASE = 0x01000193;

/** Share of character n-gram occurrences (UTF-16 units, first 20k) that repeat an earlier one. */
export function charNgramRepetition(text: string, n: number): number {
  const len = Math.min(text.length, CHAR_LIMIT);
  const total = len - n + 1;
  if (total <= 0) return 0;
  const table = resetScratch(total);
  // Rolling polynomial hash mod 2^32: O(1) per position instead of rehashing n characters.
  let top = 1;
  for (let j = 1; j < n; j++) top = Math.imul(top, BASE);
  let h = 0;
  for (let j = 0; j < n; j++) h = (Math.imul(h, BASE) + text.charCodeAt(j)) | 0;
  let repeats = 0;
  for (let i = 0; ; i++) {
    if (seenBefore(table, h)) repeats++;
    if (i + 1 >= total) break;
    h = (Math.imul(h - Math.imul(text.charCodeAt(i), top), BASE) + text.charCodeAt(i + n)) | 0;
  }
  return repeats / total;
}

const ALNUM = 1;
const SPECIAL = 2;
// The two regexes' verdicts on ASCII, computed from them once: a string and two regex tests per character were most
// of this function's time, and most text is ASCII.
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return ALNUM_RE.test(ch) ? ALNUM : ORDINARY_RE.test(ch) ? 0 : SPECIAL;
});

/** Shares of alphanumeric and of special characters among non-whitespace code points (first 20k units). */
export function characterRatios(text: string): { alphanumeric: number; special: number } {
  let nonSpace = 0;
  let alnum = 0;
  let special = 0;
  const len = Math.min(text.length, CHAR_LIMIT);
  for (let i = 0; i < len; i++) {
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    if (code === 32 || code === 10 || code === 9 || code === 13) continue;
    nonSpace++;
    if (code < 128) {
      const k = ASCII_CLASS[code]!;
      if (k === ALNUM) alnum++;
      else if (k === SPECIAL) special++;
      continue;
    }
    const ch = String.fromCodePoint(code);
    if (ALNUM_RE.test(ch)) alnum++;
    else if (!ORDINARY_RE.test(ch)) special++;
  }
  return nonSpace === 0 ? { alphanumeric: 1, special: 0 } : { alphanumeric: alnum / nonSpace, special: special / nonSpace };
}

export function hasPlaceholder(text: string): boolean {
  return PLACEHOLDER_RE.test(text);
}

export function hasSpecialToken(text: string): boolean {
  return SPECIAL_TOKEN_RE.test(text);
}

/** True when the text opens a ``` code fence it never closes. */
export function hasOpenFence(text: string): boolean {
  return (text.match(FENCE_RE)?.length ?? 0) % 2 === 1;
}
