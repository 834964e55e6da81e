/**
 * Base64 text made in parts, for the accumulator's state: its tables grow with the samples (tens of MB of base64
 * at a million), and a writer that takes the parts one by one never holds the whole text, nor the packed bytes.
 * Every part encodes a whole number of 3-byte groups, so the parts concatenate to the base64 of all the bytes.
 */
export class Base64Parts {
  constructor(readonly parts: () => Iterable<string>) {}

  /** The whole text (what JSON.stringify writes for it). */
  toJSON(): string {
    return [...this.parts()].join('');
  }
}

/**
 * Bytes per part, before encoding: a multiple of 3 (and of the 4, 8 and 12 bytes of the records packed here). Small
 * enough that a part's base64 text (64 KiB) is a young-generation string, which dies in the next scavenge; parts of
 * 1 MiB went to V8's large-object space, which only a full collection frees, and raised an export's peak RSS at its
 * very end by ~40 MB at a million samples (measured).
 */
export const PART_BYTES = 3 * (1 << 14);

/** The base64 of byte runs in order, repacked into parts of PART_BYTES (a run may straddle two parts). */
export function bytesAsBase64(runs: () => Iterable<Uint8Array>): Base64Parts {
  return new Base64Parts(function* () {
    const part = Buffer.allocUnsafe(PART_BYTES);
    let used = 0;
    for (const bytes of runs()) {
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, PART_BYTES - used);
        part.set(bytes.subarray(at, at + n), used);
        used += n;
        at += n;
        if (used === PART_BYTES) {
          yield part.toString('base64');
          used = 0;
        }
      }
    }
    if (used > 0) yield part.toString('base64', 0, used);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Base64Parts);
}

function holdsParts(value: Record<string, unknown>): boolean {
  for (const v of Object.values(value)) if (v instanceof Base64Parts || (isPlainObject(v) && holdsParts(v))) return true;
  return false;
}

/**
 * The text of `JSON.stringify(value)` in pieces: a Base64Parts part by part, objects that hold one field by field,
 * anything else whole. Plain data only (no toJSON methods but Base64Parts', no Map or Set).
 */
export function* jsonPieces(value: unknown): Generator<string> {
  if (value instanceof Base64Parts) {
    yield '"';
    yield* value.parts();
    yield '"';
    return;
  }
  if (!isPlainObject(value) || !holdsParts(value)) {
    const json = JSON.stringify(value) as string | undefined;
    if (json !== undefined) yield json;
    return;
  }
  let sep = '{';
  for (const [key, field] of Object.entries(value)) {
    // As JSON.stringify does: a field without a JSON value is left out.
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    yield `${sep}${JSON.stringify(key)}:`;
    yield* jsonPieces(field);
    sep = ',';
  }
  yield sep === '{' ? '{}' : '}';
}

/** A copy of `value` with every Base64Parts joined into its string: the plain JSON-compatible state. */
export function materialize<T>(value: T): T {
  if (value instanceof Base64Parts) return value.toJSON() as T;
  if (!isPlainObject(value) || !holdsParts(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = materialize(field);
  return out as T;
}
