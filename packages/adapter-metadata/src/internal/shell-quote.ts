// Words made only of these reach the program unchanged when left unquoted (the same set as @lorakit/vllm-config's
// serve command, which this package must not depend on).
const SAFE = /^[A-Za-z0-9_\-.,:/=@%+]+$/;

/** POSIX-shell single-quoting: the word reaches the program byte for byte; a plain word is left as it is. */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
