import { isDate, isDateTime, isEmail, isUri, isUuid } from '@hyperjump/json-schema-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { SchemaValidationError } from './errors.js';
import { countCodePoints } from './count-code-points.js';

/** A JSON Schema as a plain object. */
export type JsonSchemaObject = Record<string, unknown>;

/** Options of {@link inferSchema} and {@link createSchemaInferrer}. */
export interface InferSchemaOptions {
  /**
   * A property is `required` when it is present in at least this share (0..1) of the objects that reach it.
   * @default 1
   */
  requiredThreshold?: number;
  /**
   * A string field becomes an `enum` when it has at most this many distinct values (0 turns enums off)...
   * @default 10
   */
  enumMaxValues?: number;
  /**
   * ...and was seen at least this many times, so a handful of samples does not freeze every field into an enum.
   * @default 20
   */
  enumMinSamples?: number;
  /**
   * `minLength`/`maxLength` come from these percentiles (0..1) of the observed string lengths in code points;
   * `[0, 1]` is the observed minimum and maximum. Use e.g. `[0.01, 0.99]` so outliers do not set the bounds.
   * @default [0, 1]
   */
  lengthPercentiles?: [low: number, high: number];
  /**
   * Emit `minLength`/`maxLength` at all. Turn off when inferring from a sample of a larger input, whose other
   * records the observed bounds would reject.
   * @default true
   */
  lengthBounds?: boolean;
  /**
   * Widens the length bounds by this fraction: `minLength` is lowered and `maxLength` raised by it.
   * @default 0
   */
  lengthMargin?: number;
  /**
   * Detect `format`s (date-time, date, email, uri, uuid) that every observed string of a field satisfies.
   * @default true
   */
  detectFormats?: boolean;
}

/** Accumulates samples one at a time and describes them as a JSON Schema; holds counts, never the samples. */
export interface SchemaInferrer {
  /** Adds one sample (any JSON value). */
  add(sample: unknown): void;
  /** Samples added so far. */
  readonly count: number;
  /** A draft 2020-12 schema describing every sample added so far. */
  toSchema(): JsonSchemaObject;
}

// Values nested deeper are described as `{}` (anything): a schema as deep as a pathological value would be useless,
// and describing it recursively would overflow the stack.
const MAX_DEPTH = 64;

const LONE_SURROGATE = /\p{Cs}/u;

const FORMATS = ['uuid', 'date-time', 'date', 'email', 'uri'] as const;
type DetectedFormat = (typeof FORMATS)[number];

// A detected format must hold on both engines (validation falls back to hyperjump for some data): ajv-formats
// alone takes `2024-01-01 10:00:00+00:00` (Python's str(datetime)) for a date-time and `urn:uuid:…` for a uuid.
const HYPERJUMP_TESTS: Record<DetectedFormat, (s: string) => boolean> = {
  uuid: isUuid,
  'date-time': isDateTime,
  date: isDate,
  email: isEmail,
  uri: isUri,
};

function formatTest(name: DetectedFormat): (s: string) => boolean {
  const ajv = ajvFormatTest(name);
  const hyperjump = HYPERJUMP_TESTS[name];
  return (s) => ajv(s) && hyperjump(s);
}

function ajvFormatTest(name: DetectedFormat): (s: string) => boolean {
  const f = fullFormats[name];
  if (f instanceof RegExp) return (s) => f.test(s);
  if (typeof f === 'function') return f as (s: string) => boolean;
  if (typeof f === 'object' && f !== null && 'validate' in f) {
    const v = f.validate;
    if (v instanceof RegExp) return (s) => v.test(s);
    if (typeof v === 'function') return v as (s: string) => boolean;
  }
  return () => false;
}
const FORMAT_TESTS = new Map(FORMATS.map((f) => [f, formatTest(f)]));

interface StringStats {
  count: number;
  lengths: Map<number, number>;
  distinct: Map<string, number> | undefined;
  formats: Set<DetectedFormat>;
}

interface Node {
  count: number;
  nulls: number;
  booleans: number;
  integers: number;
  numbers: number;
  strings: StringStats | undefined;
  objects: number;
  properties: Map<string, Node>;
  arrays: number;
  items: Node | undefined;
}

function newNode(): Node {
  return {
    count: 0,
    nulls: 0,
    booleans: 0,
    integers: 0,
    numbers: 0,
    strings: undefined,
    objects: 0,
    properties: new Map(),
    arrays: 0,
    items: undefined,
  };
}

function percentile(hist: Map<number, number>, total: number, p: number): number {
  const sorted = [...hist].sort((a, b) => a[0] - b[0]);
  const target = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [len, n] of sorted) {
    seen += n;
    if (seen >= target) return len;
  }
  return sorted.at(-1)?.[0] ?? 0;
}

function checkShare(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `${name} must be between 0 and 1, got ${value}`);
  }
}

/**
 * Creates a streaming schema inferrer: `add` samples as they come, then `toSchema()`. Memory grows with the
 * shape of the data (fields, distinct string lengths, up to `enumMaxValues + 1` distinct values per field), not
 * with the number of samples.
 *
 * @example
 * ```ts
 * const inferrer = createSchemaInferrer({ requiredThreshold: 0.95 });
 * for await (const { value } of readJsonl('train.jsonl')) if (value !== undefined) inferrer.add(value);
 * const schema = inferrer.toSchema();
 * ```
 */
export function createSchemaInferrer(options: InferSchemaOptions = {}): SchemaInferrer {
  const requiredThreshold = options.requiredThreshold ?? 1;
  const enumMaxValues = options.enumMaxValues ?? 10;
  const enumMinSamples = options.enumMinSamples ?? 20;
  const [low, high] = options.lengthPercentiles ?? [0, 1];
  const margin = options.lengthMargin ?? 0;
  const detectFormats = options.detectFormats ?? true;
  const lengthBounds = options.lengthBounds ?? true;
  checkShare('requiredThreshold', requiredThreshold);
  checkShare('lengthPercentiles[0]', low);
  checkShare('lengthPercentiles[1]', high);
  if (!(margin >= 0)) throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `lengthMargin must be >= 0, got ${margin}`);
  if (!Number.isInteger(enumMaxValues) || enumMaxValues < 0) {
    throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `enumMaxValues must be a non-negative integer, got ${enumMaxValues}`);
  }

  const root = newNode();

  const addString = (node: Node, s: string): void => {
    let stats = node.strings;
    if (stats === undefined) {
      stats = { count: 0, lengths: new Map(), distinct: enumMaxValues > 0 ? new Map() : undefined, formats: new Set(detectFormats ? FORMATS : []) };
      node.strings = stats;
    }
    stats.count += 1;
    const len = countCodePoints(s);
    stats.lengths.set(len, (stats.lengths.get(len) ?? 0) + 1);
    if (stats.distinct !== undefined) {
      stats.distinct.set(s, (stats.distinct.get(s) ?? 0) + 1);
      if (stats.distinct.size > enumMaxValues) stats.distinct = undefined;
    }
    for (const f of stats.formats) if (!(FORMAT_TESTS.get(f) as (s: string) => boolean)(s)) stats.formats.delete(f);
  };

  const add = (node: Node, value: unknown, depth: number): void => {
    node.count += 1;
    if (depth > MAX_DEPTH) return;
    if (value === null) node.nulls += 1;
    else if (typeof value === 'boolean') node.booleans += 1;
    else if (typeof value === 'number') {
      if (Number.isInteger(value)) node.integers += 1;
      else node.numbers += 1;
    } else if (typeof value === 'string') addString(node, value);
    else if (value instanceof Date) {
      // A database row's timestamp: described as the text JSON.stringify makes of it (an invalid Date becomes null).
      if (Number.isNaN(value.getTime())) node.nulls += 1;
      else addString(node, value.toISOString());
    } else if (Array.isArray(value)) {
      node.arrays += 1;
      node.items ??= newNode();
      for (const item of value) add(node.items, item, depth + 1);
    } else if (typeof value === 'object') {
      node.objects += 1;
      for (const [key, v] of Object.entries(value)) {
        let child = node.properties.get(key);
        if (child === undefined) {
          child = newNode();
          node.properties.set(key, child);
        }
        add(child, v, depth + 1);
      }
    } else {
      throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `inferSchema: ${typeof value} is not a JSON value`);
    }
  };

  const describe = (node: Node): JsonSchemaObject => {
    const types: string[] = [];
    const out: JsonSchemaObject = {};
    if (node.objects > 0) types.push('object');
    if (node.arrays > 0) types.push('array');
    if (node.strings !== undefined) types.push('string');
    if (node.numbers > 0) types.push('number');
    else if (node.integers > 0) types.push('integer');
    if (node.booleans > 0) types.push('boolean');
    if (node.nulls > 0) types.push('null');
    if (types.length === 0) return {};
    out['type'] = types.length === 1 ? types[0] : types;
    if (node.objects > 0) {
      const properties: [string, JsonSchemaObject][] = [];
      const required: string[] = [];
      const unlisted: string[] = [];
      for (const [key, child] of node.properties) {
        // ajv and hyperjump put property names into URIs and throw on a lone surrogate, so a schema naming one
        // cannot be compiled; the object stays open to it instead.
        if (LONE_SURROGATE.test(key)) {
          unlisted.push(JSON.stringify(key));
          continue;
        }
        properties.push([key, describe(child)]);
        if (child.count / node.objects >= requiredThreshold) required.push(key);
      }
      // fromEntries defines each key as an own property; assigning `__proto__` would set the prototype instead.
      out['properties'] = Object.fromEntries(properties);
      if (required.length > 0) out['required'] = required;
      if (unlisted.length > 0) {
        out['$comment'] = `not listed (lone surrogate in the name, which JSON Schema validators cannot address): ${unlisted.join(', ')}`;
      }
    }
    if (node.arrays > 0 && node.items !== undefined && node.items.count > 0) out['items'] = describe(node.items);
    const s = node.strings;
    if (s !== undefined) {
      const format = FORMATS.find((f) => s.formats.has(f));
      if (s.distinct !== undefined && s.count >= enumMinSamples && format === undefined) {
        const values: unknown[] = [...s.distinct.keys()].sort();
        if (node.nulls > 0) values.push(null);
        if (types.length === 1 || (types.length === 2 && node.nulls > 0)) {
          out['enum'] = values;
          return out;
        }
      }
      if (format !== undefined) out['format'] = format;
      if (!lengthBounds) return out;
      const min = percentile(s.lengths, s.count, low);
      const max = percentile(s.lengths, s.count, high);
      out['minLength'] = Math.max(0, Math.floor(min * (1 - margin)));
      out['maxLength'] = Math.ceil(max * (1 + margin));
    }
    return out;
  };

  return {
    add: (sample) => add(root, sample, 0),
    get count() {
      return root.count;
    },
    toSchema: () => ({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...describe(root) }),
  };
}

/**
 * Infers a draft 2020-12 schema from samples: types (with `null` and unions), `required` by presence share,
 * nested objects and arrays, string lengths, low-cardinality `enum`s and detected `format`s. Streams over the
 * iterable; use {@link createSchemaInferrer} for async sources.
 *
 * @example
 * ```ts
 * inferSchema([{ lang: 'de', text: 'Hallo' }, { lang: 'en', text: 'Hello', tags: [] }]);
 * // { type: 'object', required: ['lang', 'text'], properties: { lang: {...}, text: {...}, tags: {...} } }
 * ```
 */
export function inferSchema(samples: Iterable<unknown>, options: InferSchemaOptions = {}): JsonSchemaObject {
  const inferrer = createSchemaInferrer(options);
  for (const sample of samples) inferrer.add(sample);
  return inferrer.toSchema();
}
