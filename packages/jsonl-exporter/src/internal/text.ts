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

/** Number of newline bytes in `bytes[0..end)`. */
export function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let n = 0;
  for (let at = bytes.indexOf(10); at !== -1 && at < end; at = bytes.indexOf(10, at + 1)) n++;
  return n;
}
