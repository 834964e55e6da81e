// Also the entry `@lorakit/schema-validation/count-code-points`, a second public entry against the house rule of
// one: quality-metrics' accumulator runs in worker threads that count characters but validate nothing, and this
// entry spares each of them loading ajv and the other validators (~16 MB, ~90 ms measured).
/**
 * Length of `text` in Unicode code points, as JSON Schema's `minLength`/`maxLength` count it: an emoji or a German
 * umlaut is one character, a surrogate pair is not two, and byte counts never penalise non-English text.
 *
 * @example
 * countCodePoints('Größe 👍'); // 7
 */
export function countCodePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
