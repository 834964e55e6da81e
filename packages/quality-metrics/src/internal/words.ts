// A word is a maximal run of letters, combining marks and digits, with inner apostrophes ("don't" is one word).
// Scripts written without spaces (Chinese, Japanese, Thai) yield one word per run; the README says so.
const WORD_RE = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;

/** Lower-cased words of `text`. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}

/** Number of words in `text`, without allocating them. */
export function countWords(text: string): number {
  WORD_RE.lastIndex = 0;
  let n = 0;
  while (WORD_RE.exec(text) !== null) n++;
  return n;
}

