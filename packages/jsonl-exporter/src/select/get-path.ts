const MAX_CACHED_PATHS = 1024;
const segmentCache = new Map<string, readonly string[]>();
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** Splits a dotted path once and remembers it, so per-record lookups allocate nothing. */
export function pathSegments(path: string): readonly string[] {
  let segments = segmentCache.get(path);
  if (segments === undefined) {
    segments = path === '' ? [] : path.split('.');
    // A bounded cache: configs use a handful of paths, but a server compiling user input must not grow forever.
    if (segmentCache.size >= MAX_CACHED_PATHS) segmentCache.clear();
    segmentCache.set(path, segments);
  }
  return segments;
}

/** Reads one segment of a path from a value: own properties of objects, numeric indexes of arrays. */
export function getSegment(value: unknown, segment: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    if (!ARRAY_INDEX.test(segment)) return undefined;
    return value[Number(segment)];
  }
  return Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
}

/**
 * Reads a nested field by a dotted path (`meta.source`, `messages.0.content`); `undefined` when any step is missing.
 *
 * A top-level key that itself contains dots (a CSV column named `meta.source`) wins over the nested reading, so
 * flat sources keep working. Only own properties are read: `constructor` or `__proto__` never leak from prototypes.
 *
 * @example
 * getPath({ meta: { source: 'web' } }, 'meta.source'); // 'web'
 */
export function getPath(record: unknown, path: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  if (!Array.isArray(record) && Object.hasOwn(record, path)) return (record as Record<string, unknown>)[path];
  const segments = pathSegments(path);
  let value: unknown = record;
  for (let i = 0; i < segments.length; i++) {
    value = getSegment(value, segments[i] as string);
    if (value === undefined) return undefined;
  }
  return value;
}
