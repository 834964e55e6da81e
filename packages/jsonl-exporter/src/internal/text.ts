/**
 * A value as text for mapping: strings as is, numbers/booleans printed, Dates (database and Parquet timestamps) as
 * the ISO string JSON.stringify writes, other objects as JSON, null/undefined as undefined.
 */
export function toText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return isoText(value);
  return JSON.stringify(value);
}

/** A Date as JSON.stringify writes it: the ISO string, or undefined for an invalid Date (JSON writes null). */
export function isoText(date: Date): string | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * A value as it appears in the output JSON: Dates, however deep, become their ISO strings (invalid ones null), so
 * later stages (PII, schema validation, digests) see what the line holds. Returns the same value when it has none.
 */
export function toJsonValue(value: unknown): unknown {
  return mapLeaves(value, (leaf) => (leaf instanceof Date ? (isoText(leaf) ?? null) : leaf));
}

/**
 * `value` with `fn` applied to every leaf (anything but a plain array or object; a Date is a leaf), however deep.
 * Copies only what changes, so a value shared with the source record is never modified; returns `value` itself when
 * nothing does.
 */
export function mapLeaves(value: unknown, fn: (leaf: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return fn(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const n = mapLeaves(v, fn);
      if (n !== v) (out ??= value.slice())[i] = n;
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const v = record[key];
    const n = mapLeaves(v, fn);
    if (n === v) continue;
    out ??= { ...record };
    // A '__proto__' key (JSON.parse makes it an own key) must stay data, not replace the prototype.
    Object.defineProperty(out, key, { value: n, enumerable: true, writable: true, configurable: true });
  }
  return out ?? value;
}

// Zero-width spaces and joiners and the word joiner show nothing, but are not \s (the BOM, U+FEFF, is).
const NON_SPACE_RE = /[^\s\u200B-\u200D\u2060]/;

/** True for a string of only whitespace or invisible characters (or empty); tests without allocating a trimmed copy. */
export function isBlank(text: string): boolean {
  return !NON_SPACE_RE.test(text);
}

/** Number of newline bytes in `bytes[0..end)`. */
export function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let n = 0;
  for (let at = bytes.indexOf(10); at !== -1 && at < end; at = bytes.indexOf(10, at + 1)) n++;
  return n;
}
