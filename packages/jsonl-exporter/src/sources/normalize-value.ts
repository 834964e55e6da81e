/**
 * Makes database, Parquet and in-memory values JSON-safe: a bigint becomes a number when it fits exactly
 * (|n| ≤ 2^53 − 1) and a decimal string otherwise, so no digit is ever lost silently; bytes become base64
 * strings; Dates stay Dates (the filter compares them as instants, JSON.stringify writes ISO strings). Copies only
 * what changes, so a value the caller still holds is never modified; returns `value` itself when nothing does.
 */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const n = normalizeValue(v);
      if (n !== v) (out ??= value.slice())[i] = n;
    }
    return out ?? value;
  }
  return normalizeRecord(value as Record<string, unknown>);
}

/** {@link normalizeValue} over the fields of a record; returns the same object when nothing changed. */
export function normalizeRecord(record: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (v === null || (typeof v !== 'object' && typeof v !== 'bigint') || v instanceof Date) continue;
    const n = normalizeValue(v);
    if (n === v) continue;
    out ??= { ...record };
    // A '__proto__' key (JSON.parse makes it an own key) must stay data, not replace the prototype.
    Object.defineProperty(out, key, { value: n, enumerable: true, writable: true, configurable: true });
  }
  return out ?? record;
}
