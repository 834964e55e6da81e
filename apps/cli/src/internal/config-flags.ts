import { Option } from 'commander';
import { CliError } from '../errors.js';

/** How a flag's value is parsed. */
export type FlagKind = 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'map';

/** One CLI flag derived from a config key. */
export interface ConfigFlag {
  /** Config path, e.g. `['field_mapping', 'instruction_field']`. */
  path: string[];
  /** Flag name without dashes: `field-mapping.instruction-field`. */
  name: string;
  kind: FlagKind;
  choices?: string[];
  description: string;
}

/** A config key deliberately without a flag, and why (shown nowhere, kept for the drift test and reviewers). */
export interface FlagOptOut {
  path: string;
  reason: string;
}

// Minimal view of zod 4's runtime schema objects: the public `.def`/`.shape`/`.description` are stable API.
export interface ZodLike {
  _zod: { def: { type: string; [key: string]: unknown } };
  description?: string;
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** Strips defaults/optionals; keeps the first description met on the way in. */
export function unwrapSchema(schema: ZodLike): { inner: ZodLike; description: string | undefined } {
  let s = schema;
  let description = s.description;
  for (;;) {
    const def = s._zod.def;
    if (WRAPPERS.has(def.type)) s = def['innerType'] as ZodLike;
    else if (def.type === 'pipe') s = def['in'] as ZodLike;
    else break;
    description ??= s.description;
  }
  return { inner: s, description };
}

function kebab(segment: string): string {
  return segment.replaceAll('_', '-');
}

function literalValues(schema: ZodLike): string[] | undefined {
  const def = schema._zod.def;
  if (def.type === 'enum') return Object.values(def['entries'] as Record<string, string>).map(String);
  if (def.type === 'literal') return (def['values'] as unknown[]).map(String);
  return undefined;
}

function leafKind(schema: ZodLike): Pick<ConfigFlag, 'kind' | 'choices'> | undefined {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      return { kind: 'string' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
    case 'literal': {
      const choices = literalValues(schema);
      return choices === undefined ? undefined : { kind: 'enum', choices };
    }
    case 'array': {
      const element = unwrapSchema(def['element'] as ZodLike).inner;
      const t = element._zod.def.type;
      // A list of strings, or of "string or object" items (gates): the flag gives the string form of each.
      const stringUnion = t === 'union' && (element._zod.def['options'] as ZodLike[]).some((o) => unwrapSchema(o).inner._zod.def.type === 'string');
      return t === 'string' || t === 'enum' || stringUnion ? { kind: 'list' } : undefined;
    }
    case 'record': {
      const value = unwrapSchema(def['valueType'] as ZodLike).inner;
      return value._zod.def.type === 'string' ? { kind: 'map' } : undefined;
    }
    case 'union': {
      // A value that may be a string or something structured (an inline schema): the flag takes the string form.
      const options = (def['options'] as ZodLike[]).map((o) => unwrapSchema(o).inner);
      return options.some((o) => o._zod.def.type === 'string') ? { kind: 'string' } : undefined;
    }
    default:
      return undefined;
  }
}

function isObjectUnion(schema: ZodLike): ZodLike[] | undefined {
  const def = schema._zod.def;
  if (def.type !== 'union') return undefined;
  const options = (def['options'] as ZodLike[]).map((o) => unwrapSchema(o).inner);
  return options.every((o) => o._zod.def.type === 'object') ? options : undefined;
}

/**
 * Every flag a zod object schema yields: one per leaf key, nested keys joined with dots, snake_case as kebab-case.
 * The variants of a union of objects (the source types) share one set of flags. Keys listed in `optOut` (and
 * their children) get none; any other key that cannot be a flag is returned in `unsupported` so a test can fail.
 */
export function deriveConfigFlags(
  schema: unknown,
  optOut: readonly FlagOptOut[] = [],
): { flags: ConfigFlag[]; unsupported: string[] } {
  const skip = new Set(optOut.map((o) => o.path));
  const flags = new Map<string, ConfigFlag>();
  const unsupported: string[] = [];

  const visit = (node: ZodLike, path: string[], outerDescription: string | undefined) => {
    const dotted = path.join('.');
    if (skip.has(dotted)) return;
    const { inner, description } = unwrapSchema(node);
    const text = description ?? outerDescription ?? '';
    const def = inner._zod.def;
    if (def.type === 'object') {
      for (const [key, child] of Object.entries(def['shape'] as Record<string, ZodLike>)) visit(child, [...path, key], undefined);
      return;
    }
    const variants = isObjectUnion(inner);
    if (variants !== undefined) {
      for (const variant of variants) {
        for (const [key, child] of Object.entries(variant._zod.def['shape'] as Record<string, ZodLike>)) {
          const name = [...path, key].map(kebab).join('.');
          const existing = flags.get(name);
          const childLiterals = literalValues(unwrapSchema(child).inner);
          if (existing?.kind === 'enum' && childLiterals !== undefined) {
            existing.choices = [...new Set([...(existing.choices ?? []), ...childLiterals])];
            continue;
          }
          if (existing === undefined) visit(child, [...path, key], undefined);
        }
      }
      return;
    }
    const leaf = leafKind(inner);
    if (leaf === undefined) {
      unsupported.push(dotted);
      return;
    }
    const name = path.map(kebab).join('.');
    flags.set(name, { path, name, ...leaf, description: text });
  };
  visit(schema as ZodLike, [], undefined);
  return { flags: [...flags.values()], unsupported };
}

function parseBoolean(name: string) {
  return (value: string): boolean => {
    if (/^(true|yes|1|on)$/i.test(value)) return true;
    if (/^(false|no|0|off)$/i.test(value)) return false;
    throw new CliError('CLI_USAGE', `--${name} expects true or false, got "${value}"`);
  };
}

function parseNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new CliError('CLI_USAGE', `--${name} expects a number, got "${value}"`);
    return n;
  };
}

/** The commander option for a derived flag. */
export function toOption(flag: ConfigFlag): Option {
  const summary = flag.description;
  switch (flag.kind) {
    case 'boolean':
      return new Option(`--${flag.name} [bool]`, summary).preset('true').argParser(parseBoolean(flag.name));
    case 'number':
      return new Option(`--${flag.name} <n>`, summary).argParser(parseNumber(flag.name));
    case 'enum':
      return new Option(`--${flag.name} <value>`, summary).choices(flag.choices ?? []);
    case 'list':
      return new Option(`--${flag.name} <items>`, `${summary} (comma-separated or repeated)`).argParser(
        // "a, b" is two items, "a" and "b": a word list item " b" would match nothing, silently.
        (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')],
      );
    case 'map':
      return new Option(`--${flag.name} <key=value>`, `${summary} (repeatable)`).argParser(
        (value: string, previous: Record<string, string> | undefined) => {
          const eq = value.indexOf('=');
          if (eq <= 0) throw new CliError('CLI_USAGE', `--${flag.name} expects key=value, got "${value}"`);
          return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
        },
      );
    default:
      return new Option(`--${flag.name} <value>`, summary);
  }
}

/**
 * Config keys of which a config sets one: a flag for one replaces whichever the file set (`--source.query` on a
 * config with `source.table`), instead of leaving both and failing "set exactly one of table and query".
 */
const ALTERNATIVES: readonly (readonly string[])[] = [['source.table', 'source.query']];

/** Writes flag values into a raw (not yet parsed) config object; flags win over the file. */
export function applyFlags(
  config: Record<string, unknown>,
  flags: readonly ConfigFlag[],
  valueOf: (flag: ConfigFlag) => unknown,
): Record<string, unknown> {
  for (const flag of flags) {
    const value = valueOf(flag);
    if (value === undefined) continue;
    let node = config;
    for (const [i, key] of flag.path.slice(0, -1).entries()) {
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        // The file's malformed section must not be replaced by the flag's value, unseen: it is the file's error.
        const path = flag.path.slice(0, i + 1).join('.');
        throw new CliError('CLI_USAGE', `--${flag.name}: the config file's ${path} is not a mapping (${JSON.stringify(next)}), so ${flag.path.join('.')} cannot be set in it`);
      }
      node = node[key] as Record<string, unknown>;
    }
    const last = flag.path[flag.path.length - 1] as string;
    const dotted = flag.path.join('.');
    for (const set of ALTERNATIVES) {
      if (!set.includes(dotted)) continue;
      for (const other of set) if (other !== dotted && !flags.some((f) => f.path.join('.') === other && valueOf(f) !== undefined)) delete node[other.split('.').pop() as string];
    }
    node[last] =
      flag.kind === 'map' && typeof node[last] === 'object' && node[last] !== null
        ? { ...(node[last] as Record<string, unknown>), ...(value as Record<string, unknown>) }
        : value;
  }
  return config;
}
