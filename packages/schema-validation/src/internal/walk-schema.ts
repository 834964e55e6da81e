import { escapeToken } from './json-pointer.js';

/** What a compile needs to know about a schema before choosing an engine. */
export interface SchemaFacts {
  /** Keywords used anywhere in schema positions. */
  keywords: Set<string>;
  /** Absolute URIs (without fragment) of every reference, resolved against the enclosing `$id`. */
  refs: Set<string>;
  /** Every `pattern` and `patternProperties` key, with the JSON pointer of where it sits in the schema. */
  patterns: { pattern: string; schemaPath: string }[];
  /** Schema resources by absolute URI (the root under `baseUri`, and every embedded `$id`). */
  resources: Map<string, unknown>;
  /** A `$ref` with sibling keywords that validate (draft-07 says they are ignored; ajv applies them). */
  refWithSiblings: boolean;
  /** A property named `__proto__` in `properties`/`required`, which ajv's generated code reads off the prototype. */
  protoProperty: boolean;
}

const INERT_BESIDE_REF = new Set([
  '$ref', '$comment', '$schema', 'definitions', '$defs', 'title', 'description', 'default', 'examples',
  'readOnly', 'writeOnly',
]);

const MAP_OF_SCHEMAS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const ARRAY_OF_SCHEMAS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const ONE_SCHEMA = new Set([
  'additionalProperties',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'contentSchema',
  'items',
]);
const REF_KEYWORDS = ['$ref', '$dynamicRef', '$recursiveRef'];

function resolve(ref: string, base: string): string | undefined {
  try {
    const url = new URL(ref, base);
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

/**
 * Walks only schema positions (never `const`, `enum`, `default`, `examples` values), tracking `$id` bases, so a
 * `pattern` inside an example object is not mistaken for a schema keyword.
 */
export function walkSchema(schema: unknown, baseUri: string, facts?: SchemaFacts): SchemaFacts {
  const out: SchemaFacts = facts ?? {
    keywords: new Set(),
    refs: new Set(),
    patterns: [],
    resources: new Map(),
    refWithSiblings: false,
    protoProperty: false,
  };
  const visit = (node: unknown, base: string, path: string): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const obj = node as Record<string, unknown>;
    let here = base;
    const id = obj['$id'];
    if (typeof id === 'string' && !id.startsWith('#')) {
      here = resolve(id, base) ?? base;
      out.resources.set(here, obj);
    }
    if ('$ref' in obj && Object.keys(obj).some((k) => !INERT_BESIDE_REF.has(k))) out.refWithSiblings = true;
    for (const [key, value] of Object.entries(obj)) {
      out.keywords.add(key);
      if ((key === 'properties' || key === 'required') && value !== null && typeof value === 'object') {
        if (Object.hasOwn(value, '__proto__') || (Array.isArray(value) && value.includes('__proto__'))) {
          out.protoProperty = true;
        }
      }
      const at = `${path}/${escapeToken(key)}`;
      if (REF_KEYWORDS.includes(key) && typeof value === 'string') {
        const abs = resolve(value, here);
        if (abs !== undefined) out.refs.add(abs);
      } else if (key === 'pattern' && typeof value === 'string') {
        out.patterns.push({ pattern: value, schemaPath: `#${at}` });
      } else if (MAP_OF_SCHEMAS.has(key) && value !== null && typeof value === 'object') {
        for (const [name, sub] of Object.entries(value)) {
          if (key === 'patternProperties') out.patterns.push({ pattern: name, schemaPath: `#${at}` });
          visit(sub, here, `${at}/${escapeToken(name)}`);
        }
      } else if (key === 'dependencies' && value !== null && typeof value === 'object') {
        for (const [name, sub] of Object.entries(value)) visit(sub, here, `${at}/${escapeToken(name)}`);
      } else if (ARRAY_OF_SCHEMAS.has(key) || (key === 'items' && Array.isArray(value))) {
        if (Array.isArray(value)) value.forEach((sub, i) => visit(sub, here, `${at}/${i}`));
      } else if (ONE_SCHEMA.has(key)) {
        visit(value, here, at);
      }
    }
  };
  out.resources.set(baseUri, schema);
  visit(schema, baseUri, '');
  return out;
}
