import { escapeToken } from './internal/json-pointer.js';

/** A number JSON.parse did not keep as written, at its JSON pointer in the parsed value. */
export interface UnsafeNumber {
  path: string;
  message: string;
}

// Every literal that can parse to a number beyond 2^53 (group 1), so that each such number is paired with its own
// literal: 16 digits or more before any fraction, or an exponent (1e20). Strings are matched whole, so digits
// inside them are skipped.
const NUMBER_LITERAL = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])(-?(?:\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?|\d+(?:\.\d+)?[eE][+-]?\d+))/g;
const ZERO_FRACTION = /^-?\d+\.0+$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const LEADING_ZEROS = /^0+/;
const TRAILING_ZEROS = /0+$/;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
// Reused by every call: the per-line check allocates nothing.
const pending: unknown[] = [];

// Beyond 2^53 integers may be rounded; beyond a double's range (1e400) JSON.parse gives Infinity, written as null.
// Every literal findUnsafeNumbers reports parses to such a number (below 2^53 a whole number is exact), so a value
// without one needs no scan of its text.
function isUnsafeNumber(v: number): boolean {
  return !(v <= MAX_SAFE && v >= -MAX_SAFE) && (Number.isInteger(v) || !Number.isFinite(v));
}

// A whole number's value as `<sign><digits>e<exponent>` without leading or trailing zeros, one spelling per value
// (9007199254740993.0, 9007199254740993 and 9.007199254740993e+15 are all `9007199254740993e0`).
function wholeValue(literal: string): string {
  const [, sign, whole, fraction = '', exponent = '0'] = DECIMAL.exec(literal) as RegExpExecArray;
  const digits = (whole + fraction).replace(LEADING_ZEROS, '');
  const significant = digits.replace(TRAILING_ZEROS, '');
  if (significant === '') return '0';
  return `${sign}${significant}e${Number(exponent) - fraction.length + digits.length - significant.length}`;
}

// Whether an export would write `n`, JSON.parse's number for `literal`, as something other than the literal.
// An integer literal must come back as the same text: true of every integer a JavaScript program wrote, and
// anything else would come out as other text (1000000000000000000000 as 1e+21, a float to a Python reader).
// An integer written with a zero fraction (pandas writes whole floats as 9007199254740993.0) cannot come back as
// the same text, so it must come back as the same value: 9007199254740992.0 does, 9007199254740993.0 does not.
// Any other literal, with a fraction or an exponent (6.0221407599999999e+23, as printf's %.17g writes floats), is
// a float, which JSON numbers round by definition.
function isChanged(literal: string, n: number): boolean {
  // Infinity is reported by the walk, where it is found whatever its literal.
  if (!Number.isFinite(n)) return false;
  if (!literal.includes('.') && !literal.includes('e') && !literal.includes('E')) return String(n) !== literal;
  return ZERO_FRACTION.test(literal) && wholeValue(literal) !== wholeValue(String(n));
}

/**
 * Whether a parsed value holds a number JSON.parse may have changed (an integer beyond 2^53, or one too large for a
 * double), the quick check to run before {@link findUnsafeNumbers}: a walk of the parsed value, cheaper than
 * scanning the text for long digit runs (which every float with 16 digits has). Iterative, so a deeply nested value
 * cannot overflow the stack.
 */
export function mayHoldUnsafeNumber(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value === 'number' && isUnsafeNumber(value);
  pending.push(value);
  while (pending.length > 0) {
    const node = pending.pop() as object;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === 'number') {
          if (isUnsafeNumber(v)) {
            pending.length = 0;
            return true;
          }
        } else if (typeof v === 'object' && v !== null) pending.push(v);
      }
    } else {
      for (const key in node) {
        // JSON.parse makes `__proto__` an own key; reading it with [] would give the prototype instead.
        const v: unknown = key === '__proto__' ? Object.getOwnPropertyDescriptor(node, key)?.value : (node as Record<string, unknown>)[key];
        if (typeof v === 'number') {
          if (isUnsafeNumber(v)) {
            pending.length = 0;
            return true;
          }
        } else if (typeof v === 'object' && v !== null) pending.push(v);
      }
    }
  }
  return false;
}

/**
 * The numbers of `value` (JSON.parse of `text`) that would not be written back as they were read: integers beyond
 * 2^53 that JSON.parse rounded (9007199254740993 becomes 9007199254740992), and numbers too large for a double
 * (1e400 becomes Infinity, which JSON.stringify writes as null). An integer written as `9007199254740993.0` counts when
 * the number written back has another value; a float, with a fraction or an exponent (`0.1`, `6.0221407599999999e+23`),
 * never does. The literals are found in the text, then their paths in the parsed value, so a float such as
 * 1.5e300 or an exactly kept 9007199254740992 is no issue.
 * A reader calls it when {@link mayHoldUnsafeNumber} says so; the JSONL reader reports each as `unsafe_integer`.
 *
 * @example
 * findUnsafeNumbers('{"id":9007199254740993}', JSON.parse('{"id":9007199254740993}'));
 * // [{ path: '/id', message: 'integer 9007199254740993 cannot be kept exactly as a JSON number (it would become 9007199254740992); quote it as a string' }]
 */
export function findUnsafeNumbers(text: string, value: unknown): UnsafeNumber[] {
  const literals: string[] = [];
  for (const match of text.matchAll(NUMBER_LITERAL)) if (match[1] !== undefined) literals.push(match[1]);
  // For each value some literal could not keep: all its literals, in the order of the text.
  const changed = new Set<string>();
  const byValue = new Map<number, string[]>();
  for (const literal of literals) {
    const n = Number(literal);
    if (isChanged(literal, n)) {
      changed.add(literal);
      byValue.set(n, []);
    }
  }
  for (const literal of literals) byValue.get(Number(literal))?.push(literal);
  const found: UnsafeNumber[] = [];
  // Where each such value sits, in walk order. Iterative, so a deeply nested value cannot overflow the stack.
  const paths = new Map<number, string[]>();
  let keysOutOfOrder = false;
  const stack: [unknown, string][] = [[value, '']];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path] = next;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) found.push({ path, message: 'number too large for a JSON number (it would be written as null); quote it as a string' });
      else if (byValue.has(node)) {
        const at = paths.get(node);
        if (at === undefined) paths.set(node, [path]);
        else at.push(path);
      }
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}/${i}`]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, v] = entries[i] as [string, unknown];
        // Index-like keys ("1") come first in an object, whatever the order of the text.
        if (ARRAY_INDEX.test(key)) keysOutOfOrder = true;
        stack.push([v, `${path}/${escapeToken(key)}`]);
      }
    }
  }
  for (const [n, at] of paths) {
    const written = byValue.get(n) as string[];
    const lossy = written.find((l) => changed.has(l)) as string;
    // The walk meets numbers in the order of the text, so the k-th number of a value is its k-th literal:
    // 9007199254740993 and 9007199254740992 both parse to 2^53, and only the first is lossy. When that order cannot
    // be told (a duplicate key, an index-like key), every number of the value counts as lossy.
    const paired = at.length === written.length && !keysOutOfOrder;
    at.forEach((path, k) => {
      const literal = paired ? (written[k] as string) : lossy;
      if (!changed.has(literal)) return;
      found.push({ path, message: `integer ${literal} cannot be kept exactly as a JSON number (it would become ${String(n)}); quote it as a string` });
    });
  }
  return found;
}
