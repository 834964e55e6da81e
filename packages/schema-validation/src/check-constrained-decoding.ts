import { SchemaValidationError } from './errors.js';
import { escapeToken } from './internal/json-pointer.js';

/** Inference-time structured-output backends whose JSON Schema support {@link checkConstrainedDecoding} knows. */
export type ConstrainedDecodingBackend = 'outlines' | 'xgrammar' | 'guidance';

/** One keyword a backend will not enforce (`ignored`) or refuses (`unsupported`). */
export interface ConstrainedDecodingFinding {
  /** JSON pointer of the keyword in the schema, e.g. `#/properties/age/minimum`. */
  schemaPath: string;
  keyword: string;
  /** `ignored`: the backend accepts the schema but generation may violate this keyword. `unsupported`: it rejects the schema. */
  severity: 'ignored' | 'unsupported';
  message: string;
}

/** What {@link checkConstrainedDecoding} found. */
export interface ConstrainedDecodingReport {
  backend: ConstrainedDecodingBackend;
  /** No findings: generation constrained by this backend always satisfies the schema. */
  compatible: boolean;
  /** No `unsupported` findings: the backend accepts the schema (it may still ignore some keywords). */
  accepted: boolean;
  findings: ConstrainedDecodingFinding[];
}

/**
 * Keywords with a meaning in JSON Schema (2020-12 and the drafts before it). Any other key (`nullable`,
 * `discriminator`, `x-...`) validates nothing, for ajv or a backend, so no backend ignoring it changes any output.
 */
const DRAFT_KEYWORDS = new Set([
  '$ref', '$dynamicRef', '$recursiveRef', '$vocabulary', '$dynamicAnchor', '$recursiveAnchor',
  'prefixItems', 'items', 'additionalItems', 'contains', 'additionalProperties', 'properties', 'patternProperties',
  'dependentSchemas', 'dependencies', 'propertyNames', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not',
  'unevaluatedItems', 'unevaluatedProperties', 'type', 'const', 'enum', 'multipleOf', 'maximum', 'exclusiveMaximum',
  'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems',
  'maxContains', 'minContains', 'maxProperties', 'minProperties', 'required', 'dependentRequired', 'format',
  'contentSchema',
]);
/** A `$ref` by JSON pointer into this schema (`#`, `#/...`), the only kind both outlines and xgrammar resolve. */
function isPointerRef(ref: string): boolean {
  return ref === '#' || ref.startsWith('#/');
}
/** Lookahead and lookbehind in a `pattern`. */
const LOOKAROUND = /(?<!\\)\(\?<?[=!]/;
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_ONE = [
  'items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'propertyNames', 'not',
  'if', 'then', 'else', 'additionalItems',
];

// outlines-core's converter (github.com/dottxt-ai/outlines-core, src/json_schema/parsing.rs at 0773cae, `to_regex`):
// a schema is read through the first of these keys; a non-empty schema with none of them is an error.
const OUTLINES_DISPATCH = ['properties', 'allOf', 'anyOf', 'oneOf', 'prefixItems', 'enum', 'const', '$ref', 'type'];
// Same repository, src/json_schema/types.rs, `FormatType::from_str`.
const OUTLINES_FORMATS = new Set(['date-time', 'date', 'time', 'uuid', 'uri', 'email']);
// xgrammar's converter (github.com/mlc-ai/xgrammar, cpp/json_schema_converter.cc at 00ad8e2, `SchemaParser::Parse`)
// reads a schema through the first of these keys and none of the others beside it; without them, through `type`.
const XGRAMMAR_DISPATCH = ['$ref', 'const', 'enum', 'anyOf', 'oneOf', 'allOf'];
// vLLM screens schemas before handing them to xgrammar and refuses these (vllm/v1/structured_output/backend_xgrammar.py,
// has_xgrammar_unsupported_json_features).
const XGRAMMAR_UNSUPPORTED = ['multipleOf', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'patternProperties', 'propertyNames'];
// What xgrammar enforces, from its "Supported JSON Schema" page (github.com/mlc-ai/xgrammar,
// docs/xgrammar_features/json_schema.md at 851819b): any other keyword is not enforced. oneOf is "regarded as anyOf"
// and allOf supports "only one schema"; both are checked separately.
const XGRAMMAR_ENFORCED = new Set([
  'type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref', 'minLength', 'maxLength', 'pattern', 'format', 'minimum',
  'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'items', 'prefixItems', 'minItems', 'maxItems', 'unevaluatedItems',
  'properties', 'required', 'additionalProperties', 'unevaluatedProperties', 'minProperties', 'maxProperties',
  ...XGRAMMAR_UNSUPPORTED,
]);
// Same page: "All formats are supported, including" this list.
const XGRAMMAR_FORMATS = new Set([
  'email', 'date', 'time', 'date-time', 'duration', 'ipv4', 'ipv6', 'hostname', 'uuid', 'uri', 'uri-reference',
  'uri-template', 'json-pointer', 'relative-json-pointer',
]);
// llguidance's "Supported JSON schema features" (github.com/guidance-ai/llguidance, docs/json_schema.md at 0bc7a5f):
// it "aims to either produce a grammar conformant to the JSON schema semantics ... or give an error", and ignores
// unsupported keywords only with `lenient` (off by default), so any draft keyword not listed here is rejected
// (parser/src/json/context.rs, `is_valid_keyword`: keywords the draft does not know are let through).
const GUIDANCE_SUPPORTED = new Set([
  'additionalItems',
  'anyOf', 'oneOf', 'allOf', '$ref', 'const', 'enum', 'type', 'items', 'prefixItems', 'minItems', 'maxItems',
  'properties', 'additionalProperties', 'patternProperties', 'required', 'minProperties', 'maxProperties', 'minLength',
  'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'x-guidance',
]);
// Same page: "format (74%), with the following formats".
const GUIDANCE_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'uri']);

type Obj = Record<string, unknown>;
/** `whole`: the backend ignores the keyword with everything inside it, so its subschemas are not checked. */
type Emit = (
  path: string,
  keyword: string,
  severity: ConstrainedDecodingFinding['severity'],
  message: string,
  whole?: boolean,
) => void;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keywords outlines reads for a schema object dispatched on `type`, string constraints resolved to the first one. */
function outlinesTypeKeywords(node: Obj): Set<string> {
  const used = new Set(['type']);
  const types = Array.isArray(node['type']) ? node['type'] : [node['type']];
  if (types.includes('string')) {
    // Only the first string constraint kind applies: length, then pattern, then format.
    if ('minLength' in node || 'maxLength' in node) used.add('minLength').add('maxLength');
    else if ('pattern' in node) used.add('pattern');
    else if ('format' in node) used.add('format');
  }
  if (types.includes('array')) used.add('items').add('minItems').add('maxItems');
  // parse_object_type bounds the number of keys.
  if (types.includes('object')) used.add('additionalProperties').add('minProperties').add('maxProperties');
  return used;
}

/**
 * Keywords that only constrain what outlines never generates beside its dispatching keyword: it writes exactly the
 * listed properties and exactly the prefixItems tuple, which every such keyword allows. Not checked, nor their
 * subschemas.
 */
const OUTLINES_NEVER_GENERATED: Readonly<Record<string, readonly string[]>> = {
  properties: ['additionalProperties', 'unevaluatedProperties'],
  prefixItems: ['items', 'additionalItems', 'unevaluatedItems'],
};

/** What a check knows of the whole schema. */
interface CheckContext {
  /** Skips a keyword's subschemas. */
  skip: (keyword: string) => void;
  /** `#/$defs/...` and `#/definitions/...` pointers whose schema reaches itself through `$ref`s. */
  recursive: ReadonlySet<string>;
}

/** Every `$ref` string inside a schema, subschemas included. */
function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsIn(item, out);
  else if (isObj(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}

/** The definitions (`#/$defs/x`, `#/definitions/x`) that reach themselves through `$ref`s, directly or through others. */
function recursiveDefinitions(schema: unknown): Set<string> {
  const edges = new Map<string, string[]>();
  if (isObj(schema)) {
    for (const container of ['$defs', 'definitions']) {
      const defs = schema[container];
      if (isObj(defs)) for (const [name, def] of Object.entries(defs)) edges.set(`#/${container}/${escapeToken(name)}`, refsIn(def));
    }
  }
  const recursive = new Set<string>();
  for (const start of edges.keys()) {
    const seen = new Set<string>();
    const stack = [...(edges.get(start) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === start) {
        recursive.add(start);
        break;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(edges.get(next) ?? []));
    }
  }
  return recursive;
}

function checkOutlines(node: Obj, path: string, emit: Emit, { skip, recursive }: CheckContext): void {
  const dispatch = OUTLINES_DISPATCH.find((k) => k in node);
  let used: Set<string>;
  switch (dispatch) {
    case 'properties':
      used = new Set(['properties', 'required', 'type']);
      break;
    case 'type':
      used = outlinesTypeKeywords(node);
      break;
    case undefined:
      if (Object.keys(node).length > 0) {
        emit(`${path}/type`, 'type', 'unsupported',
          'outlines rejects a schema without properties/allOf/anyOf/oneOf/prefixItems/enum/const/$ref/type (only {} means any value): add a "type"');
      }
      return;
    default:
      used = new Set([dispatch, 'type']);
  }
  const unused = OUTLINES_NEVER_GENERATED[dispatch] ?? [];
  for (const keyword of Object.keys(node)) {
    if (used.has(keyword) || !DRAFT_KEYWORDS.has(keyword)) continue;
    if (unused.includes(keyword)) {
      skip(keyword);
      continue;
    }
    emit(`${path}/${escapeToken(keyword)}`, keyword, 'ignored', `outlines reads this schema through "${dispatch}" and ignores "${keyword}"`);
  }
  // parse_enum / parse_const take null, booleans, numbers and strings (UnsupportedEnumDataType, ...ConstDataType).
  const values = dispatch === 'enum' && Array.isArray(node['enum']) ? node['enum'] : dispatch === 'const' ? [node['const']] : [];
  if (values.some((v) => typeof v === 'object' && v !== null)) {
    emit(`${path}/${dispatch}`, dispatch as string, 'unsupported', `outlines refuses an object or array as a ${dispatch} value`);
  }
  // Reading oneOf as anyOf is exact when no value can match two branches.
  if (dispatch === 'oneOf' && Array.isArray(node['oneOf']) && !provablyDisjoint(node['oneOf'])) {
    emit(`${path}/oneOf`, 'oneOf', 'ignored', 'outlines treats oneOf as anyOf: exclusivity is not enforced', false);
  }
  if (dispatch === 'allOf' && Array.isArray(node['allOf']) && node['allOf'].length > 1) {
    emit(`${path}/allOf`, 'allOf', 'ignored',
      'outlines joins the allOf schemas one after the other instead of intersecting them: use a single schema', false);
  }
  if (used.has('format') && typeof node['format'] === 'string' && !OUTLINES_FORMATS.has(node['format'])) {
    emit(`${path}/format`, 'format', 'unsupported', `outlines rejects format "${node['format']}" (supported: ${[...OUTLINES_FORMATS].join(', ')})`);
  }
  const ref = node['$ref'];
  if (dispatch === '$ref' && typeof ref === 'string') {
    if (!ref.startsWith('#')) {
      emit(`${path}/$ref`, '$ref', 'unsupported', 'outlines resolves only local references ("#/...")');
    } else if (!isPointerRef(ref)) {
      emit(`${path}/$ref`, '$ref', 'unsupported', `outlines resolves references by JSON pointer ("#/..."), not by anchor: "${ref}" is refused`);
    } else if (ref === '#' || path.startsWith(`${ref}/`) || recursive.has(ref)) {
      // parse_properties skips a property whose schema hits the recursion limit, required or not (parsing.rs).
      emit(`${path}/$ref`, '$ref', 'ignored', `"${ref}" leads into a recursive schema: outlines unrolls recursion a few levels deep and drops the properties below, required ones too`);
    }
  }
}

function checkXgrammar(node: Obj, path: string, emit: Emit): void {
  for (const keyword of XGRAMMAR_UNSUPPORTED) {
    if (keyword in node) emit(`${path}/${keyword}`, keyword, 'unsupported', `xgrammar (as screened by vLLM) does not support "${keyword}"`);
  }
  const dispatch = XGRAMMAR_DISPATCH.find((k) => k in node);
  for (const keyword of Object.keys(node)) {
    if (!DRAFT_KEYWORDS.has(keyword) || XGRAMMAR_UNSUPPORTED.includes(keyword)) continue;
    if (dispatch !== undefined && keyword !== dispatch && !(keyword === 'type' && valuesHaveType(node, dispatch))) {
      emit(`${path}/${escapeToken(keyword)}`, keyword, 'ignored', `xgrammar reads this schema through "${dispatch}" and ignores "${keyword}" beside it: generated output may violate it`);
    } else if (!XGRAMMAR_ENFORCED.has(keyword)) {
      emit(`${path}/${escapeToken(keyword)}`, keyword, 'ignored', `xgrammar does not enforce "${keyword}": generated output may violate it`);
    }
  }
  // GenerateString builds a string from a known format, else the pattern, else the length bounds: one of them.
  const types = Array.isArray(node['type']) ? node['type'] : [node['type']];
  if (dispatch === undefined && types.includes('string')) {
    const format = typeof node['format'] === 'string' && XGRAMMAR_FORMATS.has(node['format']);
    const winner = format ? 'format' : 'pattern' in node ? 'pattern' : undefined;
    const losers = winner === 'format' ? ['pattern', 'minLength', 'maxLength'] : winner === 'pattern' ? ['minLength', 'maxLength'] : [];
    for (const keyword of losers.filter((k) => k in node)) {
      emit(`${path}/${keyword}`, keyword, 'ignored', `xgrammar builds a string from its "${winner}" only and ignores "${keyword}" beside it: generated output may violate it`);
    }
  }
  const ref = node['$ref'];
  if (dispatch === '$ref' && typeof ref === 'string' && !isPointerRef(ref)) {
    emit(`${path}/$ref`, '$ref', 'ignored', `xgrammar resolves only local references ("#" or "#/..."): for "${ref}" it generates any JSON value`);
  }
  if (typeof node['pattern'] === 'string' && LOOKAROUND.test(node['pattern'])) {
    emit(`${path}/pattern`, 'pattern', 'ignored', 'xgrammar ignores lookahead and lookbehind assertions in a pattern: generated strings may violate them');
  }
  // Beside another dispatching key these are not read at all, as reported above.
  const read = (keyword: string) => dispatch === undefined || dispatch === keyword;
  if (read('oneOf') && Array.isArray(node['oneOf']) && !provablyDisjoint(node['oneOf'])) {
    emit(`${path}/oneOf`, 'oneOf', 'ignored', 'xgrammar treats oneOf as anyOf: exclusivity is not enforced', false);
  }
  if (read('allOf') && Array.isArray(node['allOf']) && node['allOf'].length > 1) {
    emit(`${path}/allOf`, 'allOf', 'ignored', 'xgrammar supports allOf with one schema only: with more, their constraints are not enforced; merge them into one schema', false);
  }
  if (read('format') && typeof node['format'] === 'string' && !XGRAMMAR_FORMATS.has(node['format'])) {
    emit(`${path}/format`, 'format', 'unsupported', `xgrammar does not support format "${node['format']}"`);
  }
}

/** JSON Schema type names of a JSON value (an integer is also a number). */
function typesOf(value: unknown): string[] {
  if (value === null) return ['null'];
  if (Array.isArray(value)) return ['array'];
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  return [typeof value === 'object' ? 'object' : typeof value];
}

/** For a const/enum read without its `type`: whether every value has that type anyway, so nothing is lost. */
function valuesHaveType(node: Obj, dispatch: string): boolean {
  const values = dispatch === 'const' ? [node['const']] : dispatch === 'enum' && Array.isArray(node['enum']) ? node['enum'] : undefined;
  const type = node['type'];
  const allowed = Array.isArray(type) ? type : [type];
  return values !== undefined && values.every((v) => typesOf(v).some((t) => allowed.includes(t)));
}

/** Branches that can never both match: distinct single types, disjoint const/enum values, or a const discriminator. */
function provablyDisjoint(branches: unknown[]): boolean {
  const objs = branches.filter(isObj);
  if (objs.length !== branches.length) return false;
  const types = objs.map((b) => b['type']);
  if (types.every((t) => typeof t === 'string') && new Set(types).size === types.length && !types.includes('number')) {
    return true;
  }
  const valueSets = objs.map((b) => ('const' in b ? [b['const']] : Array.isArray(b['enum']) ? b['enum'] : undefined));
  if (valueSets.every((v) => v !== undefined)) {
    const all = valueSets.flatMap((v) => (v as unknown[]).map((x) => JSON.stringify(x)));
    return new Set(all).size === all.length;
  }
  const first = objs[0];
  if (first !== undefined && isObj(first['properties'])) {
    for (const key of Object.keys(first['properties'])) {
      const consts = objs.map((b) => {
        const props = b['properties'];
        const req = b['required'];
        const p = isObj(props) ? props[key] : undefined;
        return Array.isArray(req) && req.includes(key) && isObj(p) && 'const' in p ? JSON.stringify(p['const']) : undefined;
      });
      if (consts.every((c) => c !== undefined) && new Set(consts).size === consts.length) return true;
    }
  }
  return false;
}

/** llguidance bounds the property count only when every listed property is required (docs/json_schema.md). */
function guidanceBoundsProperties(node: Obj): boolean {
  const props = isObj(node['properties']) ? Object.keys(node['properties']) : [];
  const required = Array.isArray(node['required']) ? node['required'] : [];
  return props.every((p) => required.includes(p));
}

function checkGuidance(node: Obj, path: string, emit: Emit): void {
  for (const keyword of Object.keys(node)) {
    if (GUIDANCE_SUPPORTED.has(keyword) || !DRAFT_KEYWORDS.has(keyword)) continue;
    emit(`${path}/${escapeToken(keyword)}`, keyword, 'unsupported', `llguidance does not support "${keyword}" and rejects the schema`);
  }
  if (Array.isArray(node['oneOf']) && !provablyDisjoint(node['oneOf'])) {
    emit(`${path}/oneOf`, 'oneOf', 'unsupported',
      'llguidance accepts oneOf only when it is equivalent to anyOf (branches that cannot both match, e.g. a const discriminator); use anyOf');
  }
  for (const keyword of ['minProperties', 'maxProperties']) {
    if (keyword in node && !guidanceBoundsProperties(node)) {
      emit(`${path}/${keyword}`, keyword, 'unsupported',
        `llguidance supports "${keyword}" only when every property in "properties" is required`);
    }
  }
  if (typeof node['format'] === 'string' && !GUIDANCE_FORMATS.has(node['format'])) {
    emit(`${path}/format`, 'format', 'unsupported', `llguidance does not support format "${node['format']}"`);
  }
  if (typeof node['pattern'] === 'string' && LOOKAROUND.test(node['pattern'])) {
    emit(`${path}/pattern`, 'pattern', 'unsupported', 'llguidance does not support lookahead or lookbehind in a pattern and rejects the schema');
  }
}

const CHECKS: Record<ConstrainedDecodingBackend, (node: Obj, path: string, emit: Emit, context: CheckContext) => void> = {
  outlines: checkOutlines,
  xgrammar: checkXgrammar,
  guidance: checkGuidance,
};

/**
 * Lists the keywords of `schema` that a constrained-decoding backend ignores or rejects, with their schema
 * paths, so you know whether the schema you validate training data with can also constrain generation. The
 * facts encoded are those of outlines-core, vLLM's screen plus xgrammar's documented keywords and converter, and
 * llguidance's documented keywords (without `lenient`); the sources are named next to each table.
 *
 * @throws {SchemaValidationError} `SCHEMA_INVALID_OPTIONS` for an unknown backend.
 * @example
 * ```ts
 * const report = checkConstrainedDecoding(schema, 'outlines');
 * for (const f of report.findings) console.log(`${f.schemaPath}: ${f.message}`);
 * ```
 */
export function checkConstrainedDecoding(
  schema: object | boolean,
  backend: ConstrainedDecodingBackend,
): ConstrainedDecodingReport {
  const check = Object.hasOwn(CHECKS, backend) ? CHECKS[backend] : undefined;
  if (check === undefined) {
    throw new SchemaValidationError(
      'SCHEMA_INVALID_OPTIONS',
      `unknown constrained-decoding backend "${String(backend)}": use outlines, xgrammar or guidance`,
    );
  }
  const findings: ConstrainedDecodingFinding[] = [];
  const recursive = recursiveDefinitions(schema);
  // A keyword the backend ignores as a whole is reported once; what sits inside it does not matter.
  let skipped = new Set<string>();
  const emit: Emit = (schemaPath, keyword, severity, message, whole = severity === 'ignored') => {
    findings.push({ schemaPath, keyword, severity, message });
    if (whole) skipped.add(keyword);
  };
  const visit = (node: unknown, path: string): void => {
    if (!isObj(node)) return;
    skipped = new Set();
    check(node, `#${path}`, emit, { skip: (keyword) => skipped.add(keyword), recursive });
    const skip = skipped;
    for (const key of SUBSCHEMA_MAPS) {
      if (skip.has(key)) continue;
      const map = node[key];
      if (isObj(map)) for (const [name, sub] of Object.entries(map)) visit(sub, `${path}/${key}/${escapeToken(name)}`);
    }
    for (const key of SUBSCHEMA_LISTS) {
      if (skip.has(key)) continue;
      const list = node[key];
      if (Array.isArray(list)) list.forEach((sub, i) => visit(sub, `${path}/${key}/${i}`));
    }
    for (const key of SUBSCHEMA_ONE) {
      if (skip.has(key)) continue;
      const sub = node[key];
      if (Array.isArray(sub)) sub.forEach((s, i) => visit(s, `${path}/${key}/${i}`));
      else visit(sub, `${path}/${key}`);
    }
  };
  visit(schema, '');
  return {
    backend,
    compatible: findings.length === 0,
    accepted: findings.every((f) => f.severity !== 'unsupported'),
    findings,
  };
}
