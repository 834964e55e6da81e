import { Ajv, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { EXTRA_FORMATS } from './formats.js';
import { SchemaValidationError } from '../errors.js';
import type { Issue, Result } from '../issue.js';
import { toIssues } from './messages.js';
import { compileSafePattern } from './safe-regexp.js';
import type { Draft } from './drafts.js';

const safeRegExp = Object.assign((pattern: string) => compileSafePattern(pattern), { code: 'lorakitSafeRegExp' });

/** Inputs the ajv engine needs, already decided by `compileSchema`. */
export interface AjvCompileInput {
  schema: object | boolean;
  draft: Draft;
  assertFormats: boolean;
  schemas: [uri: string, schema: object | boolean][];
}

function mapErrors(errors: ErrorObject[] | null | undefined): Issue[] {
  const issues: Issue[] = [];
  for (const e of errors ?? []) {
    issues.push(
      ...toIssues({
        keyword: e.keyword,
        path: e.instancePath,
        schemaPath: e.schemaPath,
        schemaValue: e.schema,
        data: e.data,
        params: e.params as Record<string, unknown>,
      }),
    );
  }
  return issues;
}

function schemaErrorMessage(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf') ?? errors?.[0];
  if (first === undefined) return 'the schema is invalid';
  const keyword = first.instancePath.split('/').at(-1) ?? '';
  return `keyword "${keyword}" at #${first.instancePath}: ${first.message ?? 'is invalid'}`;
}

/**
 * Compiles with ajv. Throws `SCHEMA_INVALID` / `SCHEMA_REF_NOT_FOUND` with the location in the schema, and ajv's
 * own error (not a {@link SchemaValidationError}) when ajv cannot compile a schema the meta-schema accepts.
 */
export function compileWithAjv(input: AjvCompileInput): (value: unknown) => Result<unknown> {
  const options: AjvOptions = {
    allErrors: true,
    // verbose puts the failing data and keyword value on each error, which the messages need ("has 3").
    verbose: true,
    strict: false,
    logger: false,
    ownProperties: true,
    validateFormats: input.assertFormats,
    validateSchema: false,
    code: { regExp: safeRegExp },
  };
  const ajv =
    input.draft === '2020-12' ? new Ajv2020(options) : input.draft === '2019-09' ? new Ajv2019(options) : new Ajv(options);
  addFormats.default(ajv);
  for (const [name, check] of Object.entries(EXTRA_FORMATS)) ajv.addFormat(name, check);
  for (const [uri, schema] of input.schemas) {
    if (!ajv.validateSchema(schema)) {
      throw new SchemaValidationError('SCHEMA_INVALID', `schema ${uri}: ${schemaErrorMessage(ajv.errors)}`);
    }
    ajv.addSchema(schema, uri);
  }
  if (!ajv.validateSchema(input.schema)) {
    throw new SchemaValidationError('SCHEMA_INVALID', `invalid schema: ${schemaErrorMessage(ajv.errors)}`);
  }
  let fn: ValidateFunction;
  try {
    fn = ajv.compile(input.schema);
  } catch (cause) {
    if (cause instanceof SchemaValidationError) throw cause;
    const missing = (cause as { missingRef?: unknown }).missingRef;
    if (typeof missing === 'string') {
      throw new SchemaValidationError(
        'SCHEMA_REF_NOT_FOUND',
        `$ref "${missing}" cannot be resolved: define it under $defs or register it with the "schemas" option`,
        { cause },
      );
    }
    // The schema passed the meta-schema, so anything else is an ajv limitation; the caller may try hyperjump.
    throw cause;
  }
  return (value) => (fn(value) ? { success: true, data: value } : { success: false, issues: mapErrors(fn.errors) });
}
