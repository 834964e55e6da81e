import { describe, expect, it } from 'vitest';
import { compileSchema } from '../compile-schema.js';
import type { Result } from '../issue.js';

// One failing value per keyword; both engines must report the same code, path and words for it.
const CASES: [name: string, schema: object, value: unknown][] = [
  ['type', { type: 'string' }, 3],
  ['type union', { type: ['string', 'null'] }, 3],
  ['required', { required: ['a', 'b'] }, { a: 1 }],
  ['minLength', { minLength: 3 }, 'ab'],
  ['maxLength', { maxLength: 1 }, 'äö'],
  ['minimum', { minimum: 1 }, 0],
  ['exclusiveMaximum', { exclusiveMaximum: 1 }, 1],
  ['multipleOf', { multipleOf: 2 }, 3],
  ['minItems', { minItems: 2 }, [1]],
  ['maxProperties', { maxProperties: 1 }, { a: 1, b: 2 }],
  ['pattern', { pattern: '^a' }, 'b'],
  ['format', { format: 'email' }, 'nope'],
  ['enum', { enum: ['x', 'y'] }, 'z'],
  ['const', { const: 'x' }, 'y'],
  ['additionalProperties', { properties: { a: {} }, additionalProperties: false }, { a: 1, b: 2 }],
  ['nested path', { properties: { turns: { items: { properties: { role: { enum: ['user'] } } } } } }, { turns: [{ role: 'x' }] }],
  ['escaped path', { properties: { 'a/b': { type: 'string' } } }, { 'a/b': 1 }],
  ['uniqueItems', { uniqueItems: true }, [1, 1]],
  ['not', { not: { type: 'string' } }, 'x'],
  ['dependentRequired', { dependentRequired: { a: ['b'] } }, { a: 1 }],
  ['false schema', { properties: { a: false } }, { a: 1 }],
];

function summary(r: Result<unknown>): string[] {
  return r.success ? [] : r.issues.map((i) => `${i.code} ${i.path} ${i.message}`).sort();
}

describe('issue wording is the same on both engines', () => {
  for (const [name, schema, value] of CASES) {
    it(name, async () => {
      const ajv = await compileSchema(schema, { engine: 'ajv', formats: 'assert' });
      const hyperjump = await compileSchema(schema, { engine: 'hyperjump', formats: 'assert' });
      const a = summary(ajv.validate(value));
      expect(a.length).toBeGreaterThan(0);
      expect(summary(hyperjump.validate(value))).toEqual(a);
    });
  }

  it('words the common cases the way the docs promise', async () => {
    const v = await compileSchema({
      type: 'object',
      required: ['output'],
      properties: { n: { type: 'integer', maximum: 5 }, s: { type: 'string', maxLength: 2 } },
    });
    expect(summary(v.validate({ n: 7, s: '👍👍👍' }))).toEqual([
      'required /output is required',
      'too_big /n must be at most 5, is 7',
      'too_big /s must have at most 2 characters, has 3',
    ]);
  });
});
