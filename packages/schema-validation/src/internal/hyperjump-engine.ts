import type { OutputUnit, SchemaObject, Validator as HyperjumpValidator } from '@hyperjump/json-schema/draft-2020-12';
import type * as HyperjumpCore from '@hyperjump/json-schema/draft-2020-12';
import { SchemaValidationError } from '../errors.js';
import type { Issue, Result } from '../issue.js';
import { getAtPointer } from './json-pointer.js';
import { toIssues } from './messages.js';
import { EXTRA_FORMATS } from './formats.js';
import { compileSafePattern } from './safe-regexp.js';
import { isStackOverflow } from './stack-overflow.js';

type Core = typeof HyperjumpCore;

let loading: Promise<Core> | undefined;
// hyperjump keeps one global registry; compiles are serialised so two never see each other's registrations.
let queue: Promise<unknown> = Promise.resolve();
let counter = 0;

function safeAll<T>(value: T): T {
  if (value instanceof RegExp) return compileSafePattern(value.source) as T;
  if (Array.isArray(value)) return value.map((v) => safeAll(v) as unknown) as T;
  return value;
}

async function load(): Promise<Core> {
  loading ??= (async () => {
    const core = await import('@hyperjump/json-schema/draft-2020-12');
    await import('@hyperjump/json-schema/draft-2019-09');
    await import('@hyperjump/json-schema/draft-07');
    // Ships without types; importing it registers the full format set (hostname, idn-*) beside the lite one.
    const formats: string = '@hyperjump/json-schema/formats';
    await import(formats);
    const experimental = await import('@hyperjump/json-schema/experimental');
    const browser = await import('@hyperjump/browser');
    // Meta-schema failures default to a bare "valid: false"; BASIC says which keyword of the schema is wrong.
    core.setMetaSchemaOutputFormat('BASIC');
    // Its pattern keywords use native RegExp, which a hostile pattern can hang; swap in the same RE2 policy as ajv.
    for (const name of ['pattern', 'patternProperties', 'additionalProperties']) {
      const keyword = experimental.getKeyword<unknown>(`https://json-schema.org/keyword/${name}`);
      experimental.addKeyword({
        ...keyword,
        compile: async (schema, ast, parent) => safeAll(await keyword.compile(schema, ast, parent)),
      });
    }
    for (const [name, check] of Object.entries(EXTRA_FORMATS)) {
      experimental.addFormat({
        id: `https://json-schema.org/format/${name}`,
        handler: (value) => typeof value !== 'string' || check(value),
      });
    }
    // References are resolved only against registered schemas: a validator never reaches the network or disk.
    const refuse = {
      retrieve: (uri: string): Promise<Response> =>
        Promise.reject(new SchemaValidationError('SCHEMA_REF_NOT_FOUND', `"${uri}" is not registered`)),
    };
    for (const scheme of ['http', 'https', 'file']) browser.addUriSchemePlugin(scheme, refuse);
    return core;
  })();
  return loading;
}

/** Inputs the hyperjump engine needs, already decided by `compileSchema`. */
export interface HyperjumpCompileInput {
  schema: object | boolean;
  dialectId: string;
  assertFormats: boolean;
  schemas: [uri: string, schema: object | boolean][];
  /** Schema resources by absolute URI, to word messages from keyword values. */
  resources: Map<string, unknown>;
}

// Applicators that only fail because a subschema failed; the subschema's own unit says why.
const PROPAGATING = new Set([
  '$ref',
  '$dynamicRef',
  '$recursiveRef',
  'properties',
  'patternProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'allOf',
  'dependentSchemas',
  'dependencies',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'then',
  'else',
]);

function isPropagated(unit: OutputUnit, units: OutputUnit[]): boolean {
  const name = unit.absoluteKeywordLocation.split('/').at(-1) ?? '';
  // A property that failed its own subschema loses its "evaluated" annotation, so unevaluatedProperties: false
  // reports it again; the deeper issue is the real one.
  if (unit.keyword.endsWith('/evaluation/validate') && !name.startsWith('unevaluated')) return false;
  if (!PROPAGATING.has(name)) return false;
  const at = unit.instanceLocation;
  return units.some(
    (o) =>
      o !== unit &&
      (o.instanceLocation.startsWith(at === '#' ? '#/' : `${at}/`) ||
        (o.instanceLocation === at && !unit.keyword.endsWith('/evaluation/validate'))),
  );
}
const FALSE_SCHEMA_HOLDERS = new Set([
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
  'items',
  'propertyNames',
  'contains',
  'not',
]);

function unitToIssues(unit: OutputUnit, rootUri: string, resources: Map<string, unknown>, value: unknown): Issue[] {
  const hash = unit.absoluteKeywordLocation.indexOf('#');
  const base = hash === -1 ? unit.absoluteKeywordLocation : unit.absoluteKeywordLocation.slice(0, hash);
  const pointer = hash === -1 ? '' : decodeURIComponent(unit.absoluteKeywordLocation.slice(hash + 1));
  const last = pointer.split('/').at(-1) ?? '';
  let keyword = last;
  if (unit.keyword.endsWith('/evaluation/validate')) keyword = FALSE_SCHEMA_HOLDERS.has(last) ? last : 'false schema';
  const path = decodeURIComponent(unit.instanceLocation.replace(/^#/, ''));
  const doc = resources.get(base);
  const issues = toIssues({
    keyword,
    path,
    schemaPath: base === rootUri ? `#${pointer}` : unit.absoluteKeywordLocation,
    schemaValue: doc === undefined ? undefined : getAtPointer(doc, pointer),
    data: getAtPointer(value, path),
  });
  return issues.length > 0
    ? issues
    : [{ code: 'other', path, message: `does not satisfy "${keyword}"`, keyword, schemaPath: pointer }];
}

function describeSchemaError(cause: unknown): SchemaValidationError {
  if (cause instanceof SchemaValidationError) return cause;
  const error = cause as Error & { output?: { errors?: OutputUnit[] }; cause?: unknown };
  if (error.cause instanceof SchemaValidationError) return error.cause;
  if (error.name === 'RetrievalError') {
    return new SchemaValidationError(
      'SCHEMA_REF_NOT_FOUND',
      `${error.message} Register it with the "schemas" option.`,
      { cause },
    );
  }
  // The deepest failing location in the schema is the keyword to blame; the rest are its enclosing applicators.
  const unit = error.output?.errors
    ?.filter((e) => !e.keyword.endsWith('/evaluation/validate'))
    .sort((a, b) => b.instanceLocation.length - a.instanceLocation.length)[0];
  if (unit !== undefined) {
    const hash = unit.instanceLocation.indexOf('#');
    const where = decodeURIComponent(unit.instanceLocation.slice(hash + 1));
    const rule = unit.absoluteKeywordLocation.split('/').at(-1) ?? '';
    return new SchemaValidationError(
      'SCHEMA_INVALID',
      `invalid schema: keyword "${where.split('/').at(-1) ?? ''}" at #${where} fails the meta-schema's "${rule}" ` +
        `(${unit.absoluteKeywordLocation})`,
      { cause },
    );
  }
  return new SchemaValidationError('SCHEMA_INVALID', `invalid schema: ${error.message}`, { cause });
}

/** Compiles with @hyperjump/json-schema (async compile, synchronous validation). */
export async function compileWithHyperjump(
  input: HyperjumpCompileInput,
  rootUri: string,
): Promise<(value: unknown) => Result<unknown>> {
  const core = await load();
  const run = queue.then(async () => {
    const registered: string[] = [];
    try {
      for (const [uri, schema] of input.schemas) {
        if (core.hasSchema(uri)) core.unregisterSchema(uri);
        core.registerSchema(schema as SchemaObject | boolean, uri, input.dialectId);
        registered.push(uri);
      }
      core.registerSchema(input.schema as SchemaObject | boolean, rootUri, input.dialectId);
      registered.push(rootUri);
      return await core.validate(rootUri);
    } catch (cause) {
      throw describeSchemaError(cause);
    } finally {
      for (const uri of registered) core.unregisterSchema(uri);
    }
  });
  queue = run.catch(() => undefined);
  const validator: HyperjumpValidator = await run;
  const { resources, assertFormats } = input;
  return (value) => {
    const previous = core.getShouldValidateFormat();
    core.setShouldValidateFormat(assertFormats ? true : undefined);
    try {
      const json = value as Parameters<HyperjumpValidator>[0];
      let units: OutputUnit[];
      try {
        if (validator(json).valid) return { success: true, data: value };
        const output = validator(json, 'BASIC');
        units = output.valid ? [] : (output.errors ?? []);
      } catch (error) {
        // The caller reports an overflow as too_deep, as it does for ajv.
        if (isStackOverflow(error)) throw error;
        // Neither a format check that throws on odd input nor the output's URI of a property whose name has a lone
        // surrogate (encodeURI throws) may turn invalid data into a crash.
        const message = `cannot be validated: ${(error as Error).message}`;
        return { success: false, issues: [{ code: 'other', path: '', message }] };
      }
      const kept = units.filter((u) => !isPropagated(u, units));
      const issues = kept.flatMap((u) => unitToIssues(u, rootUri, resources, value));
      return { success: false, issues: issues.length > 0 ? issues : [{ code: 'other', path: '', message: 'does not match the schema' }] };
    } finally {
      core.setShouldValidateFormat(previous);
    }
  };
}

/** A fresh URI for a schema without an absolute `$id`; never dereferenced. */
export function nextRootUri(): string {
  counter += 1;
  return `https://lorakit.invalid/schema/${counter}`;
}
