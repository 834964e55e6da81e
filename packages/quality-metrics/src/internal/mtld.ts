/** TTR at which MTLD closes a factor (McCarthy & Jarvis 2010). */
export const MTLD_TTR_THRESHOLD = 0.72;

function oneWay(words: readonly string[], reverse: boolean): number {
  const types = new Set<string>();
  let factors = 0;
  let tokens = 0;
  let ttr = 1;
  const n = words.length;
  for (let k = 0; k < n; k++) {
    const w = words[reverse ? n - 1 - k : k]!;
    tokens++;
    types.add(w);
    ttr = types.size / tokens;
    if (ttr <= MTLD_TTR_THRESHOLD) {
      factors++;
      types.clear();
      tokens = 0;
      ttr = 1;
    }
  }
  if (tokens > 0) factors += (1 - ttr) / (1 - MTLD_TTR_THRESHOLD);
  // A text whose TTR never drops (all words distinct) has no factor; its MTLD is its length. Nor is it ever more: a
  // text with one repeated word has only a tiny partial factor (451 words gave 56,952), which would swamp a mean.
  return factors === 0 ? n : Math.min(n, n / factors);
}

/** Measure of Textual Lexical Diversity: mean of the forward and backward passes. */
export function mtld(words: readonly string[]): number {
  if (words.length === 0) return 0;
  return (oneWay(words, false) + oneWay(words, true)) / 2;
}
