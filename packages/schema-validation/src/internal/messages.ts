import type { Issue, ValidationIssueCode } from '../issue.js';
import { escapeToken } from './json-pointer.js';
import { countCodePoints } from '../count-code-points.js';

/** What either engine knows about one failed keyword, normalised before wording it. */
export interface RawFailure {
  keyword: string;
  /** JSON pointer of the instance the keyword applies to. */
  path: string;
  schemaPath: string;
  /** The keyword's value in the schema, when known. */
  schemaValue: unknown;
  /** The instance the keyword applies to, when known. */
  data: unknown;
  /** Engine-specific details (ajv's params) that refine the message, e.g. which `if` branch failed. */
  params?: Record<string, unknown>;
}

const CODES: Record<string, ValidationIssueCode> = {
  type: 'invalid_type',
  required: 'required',
  dependentRequired: 'required',
  dependencies: 'required',
  minLength: 'too_small',
  minimum: 'too_small',
  exclusiveMinimum: 'too_small',
  minItems: 'too_small',
  minProperties: 'too_small',
  minContains: 'too_small',
  contains: 'too_small',
  maxLength: 'too_big',
  maximum: 'too_big',
  exclusiveMaximum: 'too_big',
  maxItems: 'too_big',
  maxProperties: 'too_big',
  maxContains: 'too_big',
  additionalItems: 'too_big',
  unevaluatedItems: 'too_big',
  pattern: 'pattern',
  format: 'format',
  enum: 'enum',
  const: 'const',
  additionalProperties: 'additional_property',
  unevaluatedProperties: 'additional_property',
  anyOf: 'combinator',
  oneOf: 'combinator',
  allOf: 'combinator',
  not: 'combinator',
  if: 'combinator',
};

/** JSON Schema's name for the type of a JSON value. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function size(data: unknown): number | undefined {
  if (typeof data === 'string') return countCodePoints(data);
  if (Array.isArray(data)) return data.length;
  if (data !== null && typeof data === 'object') return Object.keys(data).length;
  return undefined;
}

function sizeMessage(kind: 'least' | 'most', n: number, one: string, many: string, data: unknown): string {
  const has = size(data);
  return `must have at ${kind} ${plural(n, one, many)}${has === undefined ? '' : `, has ${has}`}`;
}

function typeList(value: unknown): string {
  const types = Array.isArray(value) ? value.map(String) : [String(value)];
  return types.length === 1 ? (types[0] ?? '') : `${types.slice(0, -1).join(', ')} or ${types.at(-1) ?? ''}`;
}

function missingProperties(required: unknown, data: unknown): string[] {
  if (!Array.isArray(required) || data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  return required.filter((k): k is string => typeof k === 'string' && !Object.hasOwn(data, k));
}

function issue(code: ValidationIssueCode, f: RawFailure, message: string, path = f.path): Issue {
  return { code, path, message, keyword: f.keyword, schemaPath: f.schemaPath };
}

/**
 * Words one failure the same way whichever engine found it. `required`-like keywords yield one issue per
 * missing property, pointing at the property; `additionalProperties` points at the extra property.
 */
export function toIssues(f: RawFailure): Issue[] {
  const { keyword, schemaValue: v, data, params } = f;
  const code = CODES[keyword] ?? 'other';
  const num = typeof v === 'number' ? v : Number(v);
  switch (keyword) {
    case 'type':
      return [issue(code, f, `must be ${typeList(v)}, got ${jsonType(data)}`)];
    case 'required': {
      const missing =
        typeof params?.['missingProperty'] === 'string'
          ? [params['missingProperty']]
          : missingProperties(v, data);
      return missing.map((m) => issue(code, f, 'is required', `${f.path}/${escapeToken(m)}`));
    }
    case 'dependentRequired':
    case 'dependencies': {
      const out: Issue[] = [];
      if (typeof params?.['missingProperty'] === 'string') {
        const m = params['missingProperty'];
        const p = typeof params['property'] === 'string' ? params['property'] : '?';
        return [issue(code, f, `is required when "${p}" is present`, `${f.path}/${escapeToken(m)}`)];
      }
      if (v !== null && typeof v === 'object' && data !== null && typeof data === 'object') {
        for (const [p, deps] of Object.entries(v)) {
          if (!Object.hasOwn(data, p)) continue;
          for (const m of missingProperties(deps, data)) {
            out.push(issue(code, f, `is required when "${p}" is present`, `${f.path}/${escapeToken(m)}`));
          }
        }
      }
      return out.length > 0 ? out : [issue('other', f, 'does not match the schema under "dependencies"')];
    }
    case 'minLength':
      return [issue(code, f, sizeMessage('least', num, 'character', 'characters', data))];
    case 'maxLength':
      return [issue(code, f, sizeMessage('most', num, 'character', 'characters', data))];
    case 'minItems':
      return [issue(code, f, sizeMessage('least', num, 'item', 'items', data))];
    case 'maxItems':
      return [issue(code, f, sizeMessage('most', num, 'item', 'items', data))];
    case 'minProperties':
      return [issue(code, f, sizeMessage('least', num, 'property', 'properties', data))];
    case 'maxProperties':
      return [issue(code, f, sizeMessage('most', num, 'property', 'properties', data))];
    case 'minimum':
      return [issue(code, f, `must be at least ${show(v)}, is ${show(data)}`)];
    case 'maximum':
      return [issue(code, f, `must be at most ${show(v)}, is ${show(data)}`)];
    case 'exclusiveMinimum':
      return [issue(code, f, `must be greater than ${show(v)}, is ${show(data)}`)];
    case 'exclusiveMaximum':
      return [issue(code, f, `must be less than ${show(v)}, is ${show(data)}`)];
    case 'multipleOf':
      return [issue(code, f, `must be a multiple of ${show(v)}, is ${show(data)}`)];
    case 'pattern':
      return [issue(code, f, `must match the pattern ${show(v)}`)];
    case 'format':
      return [issue(code, f, `must be a valid ${String(v)}`)];
    case 'enum': {
      const options = Array.isArray(v) ? v : [];
      const listed = options.slice(0, 10).map(show).join(', ');
      return [issue(code, f, `must be one of ${listed}${options.length > 10 ? ', ...' : ''}; got ${show(data)}`)];
    }
    case 'const':
      return [issue(code, f, `must be ${show(v)}, got ${show(data)}`)];
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const extra = params?.['additionalProperty'] ?? params?.['unevaluatedProperty'];
      const path = typeof extra === 'string' ? `${f.path}/${escapeToken(extra)}` : f.path;
      return [issue(code, f, 'is not allowed: the schema does not define this property', path)];
    }
    case 'additionalItems':
    case 'unevaluatedItems':
    case 'items':
      return [issue(code, f, 'has more items than the schema allows')];
    case 'uniqueItems':
      return [issue(code, f, 'must not contain duplicate items')];
    case 'contains':
    case 'minContains':
    case 'maxContains':
      return [issue(code, f, 'does not contain the required number of matching items')];
    case 'anyOf':
      return [issue(code, f, 'must match at least one of the schemas in "anyOf"')];
    case 'oneOf':
      return [issue(code, f, 'must match exactly one of the schemas in "oneOf"')];
    case 'not':
      return [issue(code, f, 'must not match the schema in "not"')];
    case 'if': {
      const branch = params?.['failingKeyword'];
      return [issue(code, f, `must match the "${typeof branch === 'string' ? branch : 'then/else'}" schema`)];
    }
    case 'propertyNames':
      return [issue(code, f, 'has a property name the schema does not allow')];
    case 'false schema':
      return [issue(code, f, 'is not allowed here (the schema is false)')];
    default:
      return [issue(code, f, `does not satisfy "${keyword}"`)];
  }
}
