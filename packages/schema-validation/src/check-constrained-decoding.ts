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

const ANNOTATIONS = new Set([
  '$schema', '$id', '$anchor', '$comment', '$defs', 'definitions', 'title', 'description', 'default', 'examples',
  'deprecated', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding',
]);
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_ONE = [
  'items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'propertyNames', 'not',
  'if', 'then', 'else', 'additionalItems',
];

const OUTLINES_DISPATCH = ['properties', 'allOf', 'anyOf', 'oneOf', 'prefixItems', 'enum', 'const', '$ref', 'type'];
const OUTLINES_FORMATS = new Set(['date-time', 'date', 'time', 'uuid', 'uri', 'email']);
const XGRAMMAR_UNSUPPORTED = ['multipleOf', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'patternProperties', 'propertyNames'];
const XGRAMMAR_FORMATS = new Set([
  'email', 'date', 'time', 'date-time', 'duration', 'ipv4', 'ipv6', 'hostname', 'uuid', 'uri', 'uri-reference',
  'uri-template', 'json-pointer', 'relative-json-pointer',
]);
const GUIDANCE_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

type Obj = Record<string, unknown>;
type Emit = (path: string, keyword: string, severity: ConstrainedDecodingFinding['severity'], message: string) => void;

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
  if (types.includes('object')) used.add('additionalProperties');
  return used;
}

function checkOutlines(node: Obj, path: string, emit: Emit): void {
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
      used = new Set();
      break;
    default:
      used = new Set([dispatch, 'type']);
  }
  for (const keyword of Object.keys(node)) {
    if (used.has(keyword) || ANNOTATIONS.has(keyword)) continue;
    const why =
      keyword === 'additionalProperties' && dispatch === 'properties'
        ? 'outlines ignores additionalProperties next to properties'
        : dispatch === undefined
          ? `outlines ignores "${keyword}" in a schema without properties/allOf/anyOf/oneOf/prefixItems/enum/const/$ref/type`
          : `outlines reads this schema through "${dispatch}" and ignores "${keyword}"`;
    emit(`${path}/${escapeToken(keyword)}`, keyword, 'ignored', why);
  }
  if (dispatch === 'oneOf') {
    emit(`${path}/oneOf`, 'oneOf', 'ignored', 'outlines treats oneOf as anyOf: exclusivity is not enforced');
  }
  if (used.has('format') && typeof node['format'] === 'string' && !OUTLINES_FORMATS.has(node['format'])) {
    emit(`${path}/format`, 'format', 'unsupported', `outlines rejects format "${node['format']}" (supported: ${[...OUTLINES_FORMATS].join(', ')})`);
  }
  if (dispatch === '$ref' && typeof node['$ref'] === 'string' && !node['$ref'].startsWith('#')) {
    emit(`${path}/$ref`, '$ref', 'unsupported', 'outlines resolves only local references ("#/...")');
  }
}

function checkXgrammar(node: Obj, path: string, emit: Emit): void {
  for (const keyword of XGRAMMAR_UNSUPPORTED) {
    if (keyword in node) emit(`${path}/${keyword}`, keyword, 'unsupported', `xgrammar (as screened by vLLM) does not support "${keyword}"`);
  }
  if (typeof node['format'] === 'string' && !XGRAMMAR_FORMATS.has(node['format'])) {
    emit(`${path}/format`, 'format', 'unsupported', `xgrammar does not support format "${node['format']}"`);
  }
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

function checkGuidance(node: Obj, path: string, emit: Emit): void {
  if ('patternProperties' in node) {
    emit(`${path}/patternProperties`, 'patternProperties', 'unsupported', 'llguidance does not support patternProperties');
  }
  if (Array.isArray(node['oneOf']) && !provablyDisjoint(node['oneOf'])) {
    emit(`${path}/oneOf`, 'oneOf', 'unsupported',
      'llguidance accepts oneOf only when it is equivalent to anyOf (branches that cannot both match, e.g. a const discriminator); use anyOf');
  }
  if (typeof node['format'] === 'string' && !GUIDANCE_FORMATS.has(node['format'])) {
    emit(`${path}/format`, 'format', 'unsupported', `llguidance does not support format "${node['format']}"`);
  }
}

const CHECKS: Record<ConstrainedDecodingBackend, (node: Obj, path: string, emit: Emit) => void> = {
  outlines: checkOutlines,
  xgrammar: checkXgrammar,
  guidance: checkGuidance,
};

/**
 * Lists the keywords of `schema` that a constrained-decoding backend ignores or rejects, with their schema
 * paths, so you know whether the schema you validate training data with can also constrain generation. The
 * facts encoded are those of outlines-core and vLLM's xgrammar / llguidance checks (2026).
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
  const emit: Emit = (schemaPath, keyword, severity, message) => findings.push({ schemaPath, keyword, severity, message });
  const visit = (node: unknown, path: string): void => {
    if (!isObj(node)) return;
    const before = findings.length;
    check(node, `#${path}`, emit);
    // A keyword the backend ignores as a whole is reported once; what sits inside it does not matter.
    const skipped = new Set(findings.slice(before).filter((f) => f.severity === 'ignored' && f.keyword !== 'oneOf').map((f) => f.keyword));
    for (const key of SUBSCHEMA_MAPS) {
      if (skipped.has(key)) continue;
      const map = node[key];
      if (isObj(map)) for (const [name, sub] of Object.entries(map)) visit(sub, `${path}/${key}/${escapeToken(name)}`);
    }
    for (const key of SUBSCHEMA_LISTS) {
      if (skipped.has(key)) continue;
      const list = node[key];
      if (Array.isArray(list)) list.forEach((sub, i) => visit(sub, `${path}/${key}/${i}`));
    }
    for (const key of SUBSCHEMA_ONE) {
      if (skipped.has(key)) continue;
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
