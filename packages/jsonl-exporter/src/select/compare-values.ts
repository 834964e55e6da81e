// Typed comparison shared by the filter: dates as instants, numbers numerically, strings by code unit.

// A bare year (`2020`) is left out on purpose: it is a numeric string, and numbers compare to it numerically.
const ISO_DATE =
  /^(\d{4})-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?)?$/;
const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch of an ISO-8601 date or date-time string (`2020-01-31`, `2020-01-31T10:00:00Z`,
 * `2020-01-31 10:00:00+02:00`, `2020-01-31t10:00:00z`) or year-month (`2020-01`, its first instant), or
 * `undefined` when the string is not one. A value without an offset is read as UTC, never as the machine's local
 * time, so results do not depend on where the export runs.
 */
export function parseIsoInstant(text: string): number | undefined {
  // Cheap rejections first: most strings compared in filters are not dates.
  if (text.length < 7 || text.length > 40 || text.charCodeAt(4) !== 45 || (text.length > 7 && text.charCodeAt(7) !== 45)) {
    return undefined;
  }
  const m = ISO_DATE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] as number)) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return undefined;
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) return undefined;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const sec = Math.min(second, 59);
  // Weighting runs this per record: no Date for the usual years. Date.UTC maps years 0-99 to 1900-1999, so those
  // are built on a leap year (2000, for a 29 February) and moved to the year as written.
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, sec, millis) - offsetMinutes * 60_000;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, sec, millis));
  date.setUTCFullYear(year);
  return date.getTime() - offsetMinutes * 60_000;
}

/** The instant of a Date or an ISO-8601 string, else `undefined`. */
export function instantOf(value: unknown): number | undefined {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  return typeof value === 'string' ? parseIsoInstant(value) : undefined;
}

/** The number a string spells (`"0.5"`, `" 12 "`, `"1e3"`), else `undefined`; `""` and `"0x10"` are not numbers. */
export function numericString(value: string): number | undefined {
  if (!NUMERIC.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A boolean, or the strings `"true"` / `"false"` in any case (`TRUE`, `False`: how pandas and spreadsheets write
 * CSV cells), as a boolean; anything else `undefined`.
 */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string' || (value.length !== 4 && value.length !== 5)) return undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function sign(d: number): number {
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/**
 * Compares two values the way the filter documents: -1, 0 or 1, or NaN when they cannot be compared.
 *
 * - `null` and a missing field (`undefined`) equal each other and nothing else.
 * - If either side is a Date or an ISO-8601 string, both must be, and they compare as instants.
 * - A number against a number, or against a numeric string (CSV cells), compares numerically.
 * - A boolean against a boolean, or against the string `"true"`/`"false"` in any case.
 * - Two other strings compare by UTF-16 code unit (deterministic, locale-free).
 * - Anything else (objects, arrays, mixed types) is incomparable.
 */
export function compareValues(a: unknown, b: unknown): number {
  return compareWithInstant(a, b, instantOf(b));
}

/** {@link compareValues} with the instant of `b` computed once by the caller (a literal in a compiled filter). */
export function compareWithInstant(a: unknown, b: unknown, tb: number | undefined): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull ? 0 : Number.NaN;
  const ta = instantOf(a);
  if (ta !== undefined || tb !== undefined) {
    return ta !== undefined && tb !== undefined ? sign(ta - tb) : Number.NaN;
  }
  const typeA = typeof a;
  const typeB = typeof b;
  if (typeA === 'number' || typeB === 'number') {
    const na = typeA === 'number' ? (a as number) : typeA === 'string' ? numericString(a as string) : undefined;
    const nb = typeB === 'number' ? (b as number) : typeB === 'string' ? numericString(b as string) : undefined;
    if (na === undefined || nb === undefined || Number.isNaN(na) || Number.isNaN(nb)) return Number.NaN;
    return sign(na - nb);
  }
  if (typeA === 'boolean' || typeB === 'boolean') {
    const ba = booleanOf(a);
    const bb = booleanOf(b);
    if (ba === undefined || bb === undefined) return Number.NaN;
    return ba === bb ? 0 : ba ? 1 : -1;
  }
  if (typeA === 'string' && typeB === 'string') return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
  return Number.NaN;
}
