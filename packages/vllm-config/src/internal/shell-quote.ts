const SAFE = /^[A-Za-z0-9_\-.,:/=@%+]+$/;

/** POSIX-shell single-quoting: the word reaches the program byte for byte. */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
