/** Length in Unicode code points: the old system counted bytes, which penalised every non-ASCII language. */
export function charLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point written as two UTF-16 units.
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

/** A value as text for mapping: strings as is, numbers/booleans printed, objects as JSON, null/undefined as undefined. */
export function toText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

const NON_SPACE_RE = /\S/;

/** True for a string of only whitespace (or empty); tests without allocating a trimmed copy. */
export function isBlank(text: string): boolean {
  return !NON_SPACE_RE.test(text);
}
