import { SchemaValidationError } from './errors.js';
import { escapeToken, getAtPointer } from './internal/json-pointer.js';
import { loadPeer } from './internal/load-peer.js';

/** Options of {@link toTypeScript}. */
export interface ToTypeScriptOptions {
  /**
   * Name of the root type (the schema's `title` wins when present, as json-schema-to-typescript does).
   * @default the name json-schema-to-typescript makes of the root `$id`, else 'Record'
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
/** Keywords where `false` closes an object or array: kept as booleans, which json-schema-to-typescript reads. */
const CLOSING = new Set(['additionalProperties', 'additionalItems', 'unevaluatedProperties', 'unevaluatedItems']);
/**
 * Keywords json-schema-to-typescript makes a type of. A subschema with none of them (`{}`, `{minimum: 3}`,
 * `{format: "email"}`) allows any value, which it would otherwise declare as an object type.
 */
const TYPING = new Set([
  'type', 'properties', 'patternProperties', 'additionalProperties', 'required', 'items', 'prefixItems', 'additionalItems',
  'enum', 'const', '$ref', 'anyOf', 'oneOf', 'allOf', 'tsType',
]);
// Any base works: it only scopes `$ref`s and `$anchor`s to the `$id` resource they sit in.
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
 * A root-document JSON pointer as a URI fragment. The ref parser percent-decodes each token, and URL parsing drops
 * tabs, newlines and trailing spaces, so everything outside the characters a fragment holds verbatim is encoded.
 */
function toFragment(pointer: string): string {
  return `#${pointer.replace(/[^\w\-.~!$&'()*+,;=:@/]+/g, (s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return s; // a lone surrogate has no encoding; the ref parser fails on it either way
    }
  })}`;
}

/**
 * Rewrites, in place, what json-schema-to-typescript 16 does not read or reads otherwise than a validator:
 * - 2020-12 tuples (`prefixItems` + `items`) become the draft-07 form it turns into TS tuples (`items: [...]` +
 *   `additionalItems`, `true` when the tuple is open);
 * - every `$ref` into the schema becomes a JSON pointer from the document root: its ref parser knows no `$id`
 *   (it resolves `#/$defs/t` inside an embedded resource from the root) and no `$anchor`. Pointers follow a
 *   subschema a tuple rewrite moves (`#/$defs/pair/prefixItems/0`). `$anchor`s, draft-07 `$id: "#name"` and
 *   `$dynamicAnchor`s are anchors; a `$ref` to another document is `SCHEMA_REF_NOT_FOUND`. A `$ref` with siblings
 *   moves into `allOf` beside them, so both apply (it would let the siblings replace what the target declares);
 * - `true`/`false` subschemas (except where `false` closes an object or array), subschemas that allow any value
 *   (`{}`, `{minimum: 3}`, a lone `$dynamicRef`) and unsatisfiable ones (`not: {}`) get a `tsType`
 *   (`unknown`/`never`), which it would otherwise declare as an object type, or fail on.
 *
 * `original` is the schema as written, where the `$ref`s' pointers are looked up.
 */
function prepareSchema(root: Obj, original: unknown): void {
  // Schema resources (`$id`) by absolute URI: where they sit in the schema as written.
  const resources = new Map<string, string>([[ROOT_URI, '']]);
  const anchors = new Map<string, string>();
  // Root-document pointers of the subschemas a tuple rewrite moves: old pointer to new.
  const moved = new Map<string, string>();
  const refs: { node: Obj; uri: string; at: string }[] = [];
  // `path` is where the node will be, `was` where it is: they differ below a rewritten tuple.
  // A boolean subschema as an object json-schema-to-typescript reads (it fails on `false` under a $ref, and makes
  // an object type of `true`); `false` keeps its meaning where it closes an object or array.
  const asSchema = (value: unknown, key: string): unknown =>
    typeof value === 'boolean' && !CLOSING.has(key) ? { tsType: value ? 'unknown' : 'never' } : value;
  const visit = (node: unknown, base: string, path: string, was: string): void => {
    if (!isObj(node)) return;
    if (was !== path) moved.set(was, path);
    let here = base;
    if (typeof node['$id'] === 'string' && !node['$id'].startsWith('#')) {
      here = (resolveUri(node['$id'], base) ?? base).replace(/#.*$/s, '');
      resources.set(here, was);
    }
    // Plain-name fragments: `$anchor`, draft-07's `$id: "#foo"`, and a `$dynamicAnchor` a plain `$ref` names.
    if (typeof node['$anchor'] === 'string') anchors.set(`${here}#${node['$anchor']}`, path);
    if (typeof node['$id'] === 'string' && node['$id'].startsWith('#')) anchors.set(`${here}${node['$id']}`, path);
    if (typeof node['$dynamicAnchor'] === 'string' && !anchors.has(`${here}#${node['$dynamicAnchor']}`)) {
      anchors.set(`${here}#${node['$dynamicAnchor']}`, path);
    }
    // Since 2019-09 a $ref's siblings apply too; json-schema-to-typescript lets them replace what the target
    // declares. As `allOf: [{$ref}, …]` beside them, both hold (an intersection type).
    // So, too, beside `$id`/`$defs`: the ref parser leaves such a node unresolved when a $ref leads to it.
    const moveRef = typeof node['$ref'] === 'string' && Object.keys(node).some((key) => key !== '$ref' && (TYPING.has(key) || SUBSCHEMA_MAPS.has(key) || key === '$id'));
    if (typeof node['$ref'] === 'string') {
      const uri = resolveUri(node['$ref'], here);
      let holder = node;
      if (moveRef) {
        holder = { $ref: node['$ref'] };
        delete node['$ref'];
        node['allOf'] = [holder, ...(Array.isArray(node['allOf']) ? node['allOf'] : [])];
      }
      if (uri !== undefined) refs.push({ node: holder, uri, at: `#${was}/$ref` });
    }
    if (node['not'] === true || (isObj(node['not']) && Object.keys(node['not']).length === 0)) node['tsType'] = 'never';
    const tuple = Array.isArray(node['prefixItems']) ? node['prefixItems'] : undefined;
    for (const [key, value] of Object.entries(node)) {
      const token = escapeToken(key);
      const at = `${path}/${token}`;
      const wasAt = `${was}/${token}`;
      if (SUBSCHEMA_MAPS.has(key) && isObj(value)) {
        for (const [name, sub] of Object.entries(value)) {
          value[name] = asSchema(sub, key);
          visit(value[name], here, `${at}/${escapeToken(name)}`, `${wasAt}/${escapeToken(name)}`);
        }
      } else if (key === 'prefixItems' && tuple !== undefined) {
        tuple.forEach((sub, i) => visit((tuple[i] = asSchema(sub, key)), here, `${path}/items/${i}`, `${wasAt}/${i}`));
      } else if (key === 'items' && tuple !== undefined) {
        visit(value, here, `${path}/additionalItems`, wasAt);
      } else if ((SUBSCHEMA_LISTS.has(key) || key === 'items') && Array.isArray(value)) {
        // An allOf the $ref was moved into starts with it (its ref is noted above): the written ones are one on.
        const first = key === 'allOf' && moveRef ? 1 : 0;
        for (let i = first; i < value.length; i++) visit((value[i] = asSchema(value[i], key)), here, `${at}/${i}`, `${wasAt}/${i - first}`);
      } else if (SUBSCHEMA_ONE.has(key) || key === 'items') {
        node[key] = asSchema(value, key);
        visit(node[key], here, at, wasAt);
      }
    }
    if (!Object.keys(node).some((key) => TYPING.has(key))) node['tsType'] = 'unknown';
    if (tuple !== undefined) {
      node['additionalItems'] = 'items' in node ? node['items'] : true;
      node['items'] = tuple;
      delete node['prefixItems'];
    }
  };
  visit(root, ROOT_URI, '', '');
  for (const { node, uri, at } of refs) {
    const hash = uri.indexOf('#');
    const resource = resources.get(hash === -1 ? uri : uri.slice(0, hash));
    if (resource === undefined) {
      // json-schema-to-typescript would fail on it with "Refs should have been resolved by the resolver!".
      throw new SchemaValidationError(
        'SCHEMA_REF_NOT_FOUND',
        `toTypeScript: $ref "${String(node['$ref'])}" at ${at} names another document, which is never fetched: put that schema under $defs with its $id`,
      );
    }
    const fragment = hash === -1 ? '' : uri.slice(hash + 1);
    let target: string | undefined;
    if (fragment === '' || fragment.startsWith('/')) {
      const pointer = resource + decodeFragment(fragment);
      if (getAtPointer(original, pointer) !== undefined) target = moved.get(pointer) ?? pointer;
    } else {
      target = anchors.get(uri);
    }
    if (target === undefined) {
      throw new SchemaValidationError(
        'SCHEMA_REF_NOT_FOUND',
        `toTypeScript: $ref "${String(node['$ref'])}" at ${at} names nothing in the schema (references are never fetched)`,
      );
    }
    node['$ref'] = toFragment(target);
  }
}

/**
 * Generates TypeScript declarations for a schema with json-schema-to-typescript, an optional peer dependency
 * (`npm install json-schema-to-typescript@^16`). `$ref`s (JSON pointers and `$anchor`s) are resolved against the
 * `$id` resource they sit in, inside the schema only, never fetched. `prefixItems` become TS tuples
 * (`[string, number]`, open ones `[string, number, ...unknown[]]`).
 *
 * @throws {SchemaValidationError} `SCHEMA_DEPENDENCY_MISSING` when json-schema-to-typescript is not installed;
 *   `SCHEMA_REF_NOT_FOUND` for a `$ref` into the schema that names nothing there; `SCHEMA_INVALID` when
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
  const input = (typeof schema === 'boolean' ? { tsType: schema ? 'unknown' : 'never' } : structuredClone(schema)) as Obj;
  prepareSchema(input, schema);
  // json-schema-to-typescript names the root type after its title, else its $id, else the name passed; a name
  // given here should lose only to the title. The $refs no longer need the $id: they are root pointers now.
  if (options.name !== undefined && input['title'] === undefined) delete input['$id'];
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
