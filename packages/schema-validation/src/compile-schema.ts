import { SchemaValidationError } from './errors.js';
import type { Result } from './issue.js';
import { compileWithAjv } from './internal/ajv-engine.js';
import { canonicalJson } from './internal/canonical-json.js';
import { DIALECT_ID, draftOf, type Draft } from './internal/drafts.js';
import { compileWithHyperjump, nextRootUri } from './internal/hyperjump-engine.js';
import { compileSafePattern } from './internal/safe-regexp.js';
import { walkSchema, type SchemaFacts } from './internal/walk-schema.js';

export type { Draft } from './internal/drafts.js';

/** Which validation engine runs a compiled schema. */
export type Engine = 'ajv' | 'hyperjump';

/** Options of {@link compileSchema}. */
export interface CompileSchemaOptions {
  /**
   * The draft to apply. Overrides `$schema` when given.
   * @default the draft named by `$schema`, else `'2020-12'`
   */
  draft?: Draft;
  /**
   * `'spec'`: formats behave as the draft says (draft-07 asserts them; 2019-09 and 2020-12 treat them as
   * annotations). `'assert'`: every known format is checked, whatever the draft.
   * @default 'spec'
   */
  formats?: 'spec' | 'assert';
  /** Other schemas `$ref` may point at, keyed by URI. They are never fetched. */
  schemas?: Record<string, object | boolean>;
  /**
   * Force an engine. `'auto'` picks ajv (fast) unless the schema needs a keyword ajv gets wrong.
   * @default 'auto'
   */
  engine?: Engine | 'auto';
}

/** A compiled schema: validate many values with it. */
export interface Validator {
  /** The engine `compileSchema` chose. */
  readonly engine: Engine;
  /** The draft the schema is validated under. */
  readonly draft: Draft;
  /** Validates one value; never throws for invalid data. Reports every issue, not only the first. */
  validate(value: unknown): Result<unknown>;
}

/**
 * Keywords ajv 8 evaluates differently from the spec (measured with the JSON Schema Test Suite): a schema that
 * uses any of them, or references a schema of another draft, goes to @hyperjump/json-schema.
 */
const AJV_GAPS = new Set([
  '$dynamicRef',
  '$dynamicAnchor',
  '$recursiveRef',
  '$recursiveAnchor',
  'unevaluatedProperties',
  'unevaluatedItems',
  '$vocabulary',
]);

const MAX_CACHED = 256;
const cache = new Map<string, Promise<Validator>>();

function reachable(
  rootSchema: object | boolean,
  root: SchemaFacts,
  schemas: Record<string, object | boolean>,
): [string, object | boolean][] {
  const out: [string, object | boolean][] = [];
  const seen = new Set<string>();
  const declared = typeof rootSchema === 'object' ? (rootSchema as { $schema?: unknown }).$schema : undefined;
  const pending = [...root.refs, ...(typeof declared === 'string' ? [declared.replace(/#$/, '')] : [])];
  const byUri = new Map<string, object | boolean>();
  for (const [uri, schema] of Object.entries(schemas)) {
    try {
      byUri.set(new URL(uri).href.replace(/#$/, ''), schema);
    } catch (cause) {
      throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `schemas: "${uri}" is not an absolute URI`, { cause });
    }
  }
  while (pending.length > 0) {
    const uri = pending.pop() as string;
    if (seen.has(uri)) continue;
    seen.add(uri);
    const schema = byUri.get(uri);
    if (schema === undefined) continue;
    out.push([uri, schema]);
    const facts = walkSchema(schema, uri, root);
    pending.push(...facts.refs);
  }
  return out;
}

function chooseDraft(schema: object | boolean, options: CompileSchemaOptions): { draft: Draft; dialectId: string } {
  if (options.draft !== undefined) {
    if (!(options.draft in DIALECT_ID)) {
      throw new SchemaValidationError(
        'SCHEMA_INVALID_OPTIONS',
        `draft: "${String(options.draft)}" is not supported; use "draft-07", "2019-09" or "2020-12"`,
      );
    }
    return { draft: options.draft, dialectId: DIALECT_ID[options.draft] };
  }
  const declared = typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  if (declared === undefined) return { draft: '2020-12', dialectId: DIALECT_ID['2020-12'] };
  if (typeof declared !== 'string') {
    throw new SchemaValidationError('SCHEMA_INVALID', 'invalid schema: keyword "$schema" at #/$schema must be a string');
  }
  const draft = draftOf(declared);
  if (draft !== undefined) return { draft, dialectId: DIALECT_ID[draft] };
  if (options.schemas?.[declared] !== undefined || options.schemas?.[declared.replace(/#$/, '')] !== undefined) {
    // A custom meta-schema: only hyperjump reads its $vocabulary; its own $schema names the base draft.
    const meta = options.schemas[declared] ?? options.schemas[declared.replace(/#$/, '')];
    const base = typeof meta === 'object' ? (meta as { $schema?: unknown }).$schema : undefined;
    return { draft: (typeof base === 'string' ? draftOf(base) : undefined) ?? '2020-12', dialectId: declared };
  }
  throw new SchemaValidationError(
    'SCHEMA_UNSUPPORTED_DRAFT',
    `$schema "${declared}" is not supported: use draft-07, 2019-09 or 2020-12, or register the meta-schema ` +
      'with the "schemas" option',
  );
}

async function build(schema: object | boolean, options: CompileSchemaOptions): Promise<Validator> {
  if (schema === null || (typeof schema !== 'object' && typeof schema !== 'boolean') || Array.isArray(schema)) {
    throw new SchemaValidationError('SCHEMA_INVALID', 'invalid schema: a schema must be an object or a boolean');
  }
  const { draft, dialectId } = chooseDraft(schema, options);
  // A misspelt option must not quietly stop format checks or pick another engine.
  if (options.formats !== undefined && options.formats !== 'spec' && options.formats !== 'assert') {
    throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `formats: "${String(options.formats)}" is not an option; use "spec" or "assert"`);
  }
  if (options.engine !== undefined && options.engine !== 'auto' && options.engine !== 'ajv' && options.engine !== 'hyperjump') {
    throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `engine: "${String(options.engine)}" is not an option; use "auto", "ajv" or "hyperjump"`);
  }
  const id = typeof schema === 'object' ? (schema as { $id?: unknown }).$id : undefined;
  const rootUri = nextRootUri();
  let base = rootUri;
  if (typeof id === 'string') {
    try {
      base = new URL(id, rootUri).href.replace(/#$/, '');
    } catch {
      base = rootUri;
    }
  }
  const facts = walkSchema(schema, base);
  const schemas = reachable(schema, facts, options.schemas ?? {});
  for (const { pattern, schemaPath } of facts.patterns) compileSafePattern(pattern, `pattern at ${schemaPath}`);
  const assertFormats = options.formats === 'assert' || draft === 'draft-07';
  const overridden = options.draft !== undefined && typeof schema === 'object' && '$schema' in schema;
  const effective = overridden ? { ...(schema as Record<string, unknown>) } : schema;
  if (overridden) delete (effective as Record<string, unknown>)['$schema'];

  const otherDraft = schemas.some(([, s]) => {
    const declared = typeof s === 'object' ? (s as { $schema?: unknown }).$schema : undefined;
    return typeof declared === 'string' && draftOf(declared) !== draft;
  });
  const needsHyperjump =
    dialectId !== DIALECT_ID[draft] ||
    otherDraft ||
    facts.protoProperty ||
    (draft === 'draft-07' && facts.refWithSiblings) ||
    [...AJV_GAPS].some((k) => facts.keywords.has(k));
  const engine: Engine = options.engine === 'ajv' || options.engine === 'hyperjump' ? options.engine : needsHyperjump ? 'hyperjump' : 'ajv';
  const viaHyperjump = async (): Promise<Validator> => ({
    engine: 'hyperjump',
    draft,
    validate: await compileWithHyperjump(
      { schema: effective, dialectId, assertFormats, schemas, resources: facts.resources },
      rootUri,
    ),
  });
  if (engine === 'hyperjump') return viaHyperjump();
  try {
    return { engine, draft, validate: compileWithAjv({ schema: effective, draft, assertFormats, schemas }) };
  } catch (cause) {
    if (cause instanceof SchemaValidationError) throw cause;
    // ajv rejected or crashed on a schema its meta-schema accepts (an empty enum, $ref beside a relative $id).
    if (options.engine !== 'ajv') return viaHyperjump();
    throw new SchemaValidationError('SCHEMA_INVALID', `ajv cannot compile this schema: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Compiles a JSON Schema (draft-07, 2019-09 or 2020-12) into a reusable {@link Validator}. Equal schemas
 * compiled with equal options share one compiled validator.
 *
 * Engine choice: ajv (fast, generated code) unless the schema uses `$dynamicRef`, `$recursiveRef`,
 * `unevaluatedProperties`/`unevaluatedItems`, `$vocabulary` or a custom meta-schema, or references a schema of
 * another draft; those go to @hyperjump/json-schema. Both engines report issues in the same words. No `pattern`
 * can hang the process: patterns proven linear run natively, the rest on RE2; see the README for the policy.
 *
 * @throws {SchemaValidationError} `SCHEMA_INVALID`, `SCHEMA_REF_NOT_FOUND`, `SCHEMA_UNSAFE_PATTERN`,
 *   `SCHEMA_UNSUPPORTED_DRAFT`, `SCHEMA_INVALID_OPTIONS`.
 * @example
 * ```ts
 * const validator = await compileSchema({ type: 'object', required: ['output'],
 *   properties: { output: { type: 'string', minLength: 20 } } });
 * const result = validator.validate({ output: 'too short' });
 * if (!result.success) console.log(result.issues[0]?.message); // "must have at least 20 characters, has 9"
 * ```
 */
export function compileSchema(schema: object | boolean, options: CompileSchemaOptions = {}): Promise<Validator> {
  let key: string;
  try {
    key = canonicalJson([schema, options.draft ?? null, options.formats ?? 'spec', options.engine ?? 'auto', options.schemas ?? {}]);
  } catch (cause) {
    return Promise.reject(
      new SchemaValidationError('SCHEMA_INVALID', 'invalid schema: it is not plain JSON (a cycle?)', { cause }),
    );
  }
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = build(schema, options);
  cache.set(key, compiled);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  compiled.catch(() => cache.delete(key));
  return compiled;
}
