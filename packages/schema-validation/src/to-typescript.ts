import { SchemaValidationError } from './errors.js';
import { loadPeer } from './internal/load-peer.js';

/** Options of {@link toTypeScript}. */
export interface ToTypeScriptOptions {
  /**
   * Name of the root type (the schema's `title` wins when present, as json-schema-to-typescript does).
   * @default 'Record'
   */
  name?: string;
  /**
   * Comment placed above the declarations.
   * @default '' (none)
   */
  bannerComment?: string;
  /**
   * Allow properties the schema does not list when it does not say (`additionalProperties` absent).
   * @default false
   */
  additionalProperties?: boolean;
  /**
   * Run prettier over the output (json-schema-to-typescript depends on it). `false` is faster but unindented.
   * @default true
   */
  format?: boolean;
}

// The slice of json-schema-to-typescript's API used here; typed locally so its types are not needed to build.
interface JsonSchemaToTypeScript {
  compile(schema: Record<string, unknown>, name: string, options?: Record<string, unknown>): Promise<string>;
}

/**
 * Generates TypeScript declarations for a schema with json-schema-to-typescript, an optional peer dependency
 * (`npm install json-schema-to-typescript@^16`). `$ref`s are resolved inside the schema only, never fetched.
 *
 * @throws {SchemaValidationError} `SCHEMA_DEPENDENCY_MISSING` when json-schema-to-typescript is not installed;
 *   `SCHEMA_INVALID` when it cannot convert the schema.
 * @example
 * ```ts
 * const source = await toTypeScript(inferSchema(samples), { name: 'TrainingRecord' });
 * await writeFile('training-record.d.ts', source);
 * ```
 */
export async function toTypeScript(schema: object | boolean, options: ToTypeScriptOptions = {}): Promise<string> {
  const lib = await loadPeer<JsonSchemaToTypeScript>(
    'json-schema-to-typescript',
    'toTypeScript',
    '^16',
  );
  const input = (typeof schema === 'boolean' ? (schema ? {} : { not: {} }) : structuredClone(schema)) as Record<string, unknown>;
  try {
    return await lib.compile(input, options.name ?? 'Record', {
      bannerComment: options.bannerComment ?? '',
      additionalProperties: options.additionalProperties ?? false,
      format: options.format ?? true,
      declareExternallyReferenced: true,
      unknownAny: true,
      $refOptions: { resolve: { external: false, http: false, file: false } },
    });
  } catch (cause) {
    throw new SchemaValidationError('SCHEMA_INVALID', `toTypeScript: ${(cause as Error).message}`, { cause });
  }
}
