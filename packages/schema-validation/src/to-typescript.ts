import { SchemaValidationError } from './errors.js';
import { escapeToken } from './internal/json-pointer.js';
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

type Obj = Record<string, unknown>;

const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SUBSCHEMA_ONE = new Set([
  'additionalProperties', 'additionalItems', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'propertyNames',
  'not', 'if', 'then', 'else',
]);
// Any base works: it only scopes `$anchor`s to the `$id` resource they sit in.
const ROOT_URI = 'https://lorakit.invalid/schema.json';

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A URI fragment as a JSON pointer (`%20` is a space); itself when it is not valid percent-encoding. */
function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

function resolveUri(ref: string, base: string): string | undefined {
  try {
    return new URL(ref, base).href;
  } catch {
    return undefined;
  }
}

/**
 * Rewrites, in place, what json-schema-to-typescript 16 does not read: 2020-12 tuples (`prefixItems` + `items`)
 * become the draft-07 form it turns into TS tuples (`items: [...]` + `additionalItems`, `true` when the tuple is
 * open), and `$ref`s to a `$anchor` become JSON pointers (its ref parser knows no anchors). JSON-pointer `$ref`s
 * into a tuple (`#/$defs/pair/prefixItems/0`) follow the subschema they name to its new place.
 */
function prepareSchema(root: Obj): void {
  const anchors = new Map<string, string>();
  const anchorRefs: { node: Obj; uri: string; at: string }[] = [];
  // Root-document pointers of the subschemas a tuple rewrite moves: old pointer to new.
  const moved = new Map<string, string>();
  const pointerRefs: { node: Obj; pointer: string }[] = [];
  // `path` is where the node will be, `was` where it is: they differ below a rewritten tuple.
  const visit = (node: unknown, base: string, path: string, was: string): void => {
    if (!isObj(node)) return;
    if (was !== path) moved.set(was, path);
    let here = base;
    if (typeof node['$id'] === 'string' && !node['$id'].startsWith('#')) here = resolveUri(node['$id'], base) ?? base;
    if (typeof node['$anchor'] === 'string') anchors.set(`${here}#${node['$anchor']}`, `#${path}`);
    const ref = node['$ref'];
    if (typeof ref === 'string' && !/#(\/|$)/.test(ref) && ref.includes('#')) {
      const uri = resolveUri(ref, here);
      if (uri !== undefined) anchorRefs.push({ node, uri, at: `#${path}/$ref` });
    } else if (typeof ref === 'string' && ref.startsWith('#/') && here === ROOT_URI) {
      pointerRefs.push({ node, pointer: ref.slice(1) });
    }
    const tuple = Array.isArray(node['prefixItems']) ? node['prefixItems'] : undefined;
    for (const [key, value] of Object.entries(node)) {
      const token = escapeToken(key);
      const at = `${path}/${token}`;
      const wasAt = `${was}/${token}`;
      if (SUBSCHEMA_MAPS.has(key) && isObj(value)) {
        for (const [name, sub] of Object.entries(value)) visit(sub, here, `${at}/${escapeToken(name)}`, `${wasAt}/${escapeToken(name)}`);
      } else if (key === 'prefixItems' && tuple !== undefined) {
        tuple.forEach((sub, i) => visit(sub, here, `${path}/items/${i}`, `${wasAt}/${i}`));
      } else if (key === 'items' && tuple !== undefined) {
        visit(value, here, `${path}/additionalItems`, wasAt);
      } else if ((SUBSCHEMA_LISTS.has(key) || key === 'items') && Array.isArray(value)) {
        value.forEach((sub, i) => visit(sub, here, `${at}/${i}`, `${wasAt}/${i}`));
      } else if (SUBSCHEMA_ONE.has(key) || key === 'items') {
        visit(value, here, at, wasAt);
      }
    }
    if (tuple !== undefined) {
      node['additionalItems'] = 'items' in node ? node['items'] : true;
      node['items'] = tuple;
      delete node['prefixItems'];
    }
  };
  visit(root, ROOT_URI, '', '');
  for (const { node, pointer } of pointerRefs) {
    const to = moved.get(decodeFragment(pointer));
    if (to !== undefined) node['$ref'] = `#${to}`;
  }
  for (const { node, uri, at } of anchorRefs) {
    const pointer = anchors.get(uri);
    if (pointer === undefined) {
      throw new SchemaValidationError(
        'SCHEMA_REF_NOT_FOUND',
        `toTypeScript: $ref "${String(node['$ref'])}" at ${at} names no $anchor in the schema (references are never fetched)`,
      );
    }
    node['$ref'] = pointer;
  }
}

/**
 * Generates TypeScript declarations for a schema with json-schema-to-typescript, an optional peer dependency
 * (`npm install json-schema-to-typescript@^16`). `$ref`s (JSON pointers and `$anchor`s) are resolved inside the
 * schema only, never fetched. `prefixItems` become TS tuples (`[string, number]`, open ones `[string, number,
 * ...unknown[]]`).
 *
 * @throws {SchemaValidationError} `SCHEMA_DEPENDENCY_MISSING` when json-schema-to-typescript is not installed;
 *   `SCHEMA_REF_NOT_FOUND` for a `$ref` to an anchor the schema does not have; `SCHEMA_INVALID` when
 *   json-schema-to-typescript cannot convert the schema.
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
  const input = (typeof schema === 'boolean' ? (schema ? {} : { not: {} }) : structuredClone(schema)) as Obj;
  prepareSchema(input);
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
