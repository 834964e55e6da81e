import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.js';

const record = {
  type: 'object',
  required: ['instruction', 'output'],
  additionalProperties: false,
  properties: {
    instruction: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 20 },
    lang: { enum: ['de', 'en'] },
    created: { type: 'string', format: 'date-time' },
  },
} as const;

describe('compileSchema', () => {
  it('reports every issue with a code, a JSON pointer and a readable message', async () => {
    const v = await compileSchema(record);
    const result = v.validate({ output: 'too short', lang: 'fr', extra: 1 });
    expect(result.success).toBe(false);
    if (result.success) return;
    const byPath = Object.fromEntries(result.issues.map((i) => [i.path, i]));
    expect(byPath['/instruction']).toMatchObject({ code: 'required', keyword: 'required', message: 'is required' });
    expect(byPath['/output']).toMatchObject({
      code: 'too_small',
      message: 'must have at least 20 characters, has 9',
      schemaPath: '#/properties/output/minLength',
    });
    expect(byPath['/lang']).toMatchObject({ code: 'enum', message: 'must be one of "de", "en"; got "fr"' });
    expect(byPath['/extra']).toMatchObject({ code: 'additional_property' });
  });

  it('returns the data unchanged on success', async () => {
    const v = await compileSchema(record);
    const value = { instruction: 'Fasse zusammen', output: 'Eine ausreichend lange Antwort.' };
    expect(v.validate(value)).toEqual({ success: true, data: value });
  });

  it('counts lengths in code points, so umlauts and emoji are one character each', async () => {
    const v = await compileSchema({ type: 'string', minLength: 4, maxLength: 4 });
    expect(v.validate('Müße').success).toBe(true);
    expect(v.validate('👍👍👍👍').success).toBe(true);
    const r = v.validate('👍👍👍👍👍');
    expect(r.success ? '' : r.issues[0]?.message).toBe('must have at most 4 characters, has 5');
  });

  it('follows the spec for formats by default and asserts them on request', async () => {
    const schema = { type: 'string', format: 'date-time' };
    expect((await compileSchema(schema)).validate('yesterday').success).toBe(true);
    expect((await compileSchema(schema, { draft: 'draft-07' })).validate('yesterday').success).toBe(false);
    const strict = await compileSchema(schema, { formats: 'assert' });
    const r = strict.validate('yesterday');
    expect(r.success ? undefined : r.issues[0]).toMatchObject({ code: 'format', message: 'must be a valid date-time' });
    expect(strict.validate('2026-11-25T20:00:00Z').success).toBe(true);
  });

  it('refuses a misspelt formats or engine option instead of ignoring it (format checks would be off)', async () => {
    const schema = { type: 'string', format: 'email' };
    await expect(compileSchema(schema, { formats: 'Assert' as 'assert' })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID_OPTIONS',
      message: 'formats: "Assert" is not an option; use "spec" or "assert"',
    });
    await expect(compileSchema(schema, { engine: 'foo' as 'ajv' })).rejects.toMatchObject({ code: 'SCHEMA_INVALID_OPTIONS', message: expect.stringContaining('engine: "foo"') });
  });

  it('reuses the compiled validator for an identical schema, whatever its key order', async () => {
    const a = await compileSchema({ type: 'object', properties: { x: { type: 'number' } } });
    const b = await compileSchema({ properties: { x: { type: 'number' } }, type: 'object' });
    expect(b).toBe(a);
    expect(await compileSchema({ type: 'object', properties: { x: { type: 'number' } } }, { formats: 'assert' })).not.toBe(a);
  });

  it('picks the draft from $schema and resolves $ref to $defs/definitions and registered schemas', async () => {
    const v7 = await compileSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: { name: { type: 'string' } },
      properties: { name: { $ref: '#/definitions/name' }, tags: { $ref: 'https://example.com/tags.json' } },
    }, { schemas: { 'https://example.com/tags.json': { type: 'array', items: { type: 'string' } } } });
    expect(v7.draft).toBe('draft-07');
    expect(v7.engine).toBe('ajv');
    const r = v7.validate({ name: 1, tags: ['a', 2] });
    expect(r.success ? [] : r.issues.map((i) => `${i.path} ${i.code}`)).toEqual(['/name invalid_type', '/tags/1 invalid_type']);
    expect((await compileSchema({ type: 'null' })).draft).toBe('2020-12');
  });

  it('sends schemas with keywords ajv gets wrong to the compliant engine, with the same messages', async () => {
    const schema = {
      type: 'object',
      properties: { output: { type: 'string', minLength: 20 } },
      unevaluatedProperties: false,
    };
    const v = await compileSchema(schema);
    expect(v.engine).toBe('hyperjump');
    const viaAjv = await compileSchema({ type: 'object', properties: schema.properties, additionalProperties: false });
    const a = viaAjv.validate({ output: 'short', x: 1 });
    const h = v.validate({ output: 'short', x: 1 });
    const pick = (r: typeof a) => (r.success ? [] : r.issues.map((i) => [i.code, i.path, i.message]).sort());
    expect(pick(h)).toEqual(pick(a));
    expect(pick(h)).toEqual([
      ['additional_property', '/x', 'is not allowed: the schema does not define this property'],
      ['too_small', '/output', 'must have at least 20 characters, has 5'],
    ]);
  });

  it('supports $dynamicRef (extensible recursive schemas)', async () => {
    const tree = {
      $id: 'https://example.com/tree',
      $dynamicAnchor: 'node',
      type: 'object',
      properties: { children: { type: 'array', items: { $dynamicRef: '#node' } } },
    };
    const strictTree = {
      $id: 'https://example.com/strict-tree',
      $dynamicAnchor: 'node',
      $ref: 'tree',
      unevaluatedProperties: false,
    };
    const v = await compileSchema(strictTree, { schemas: { 'https://example.com/tree': tree } });
    expect(v.validate({ children: [{ children: [] }] }).success).toBe(true);
    const r = v.validate({ children: [{ daat: 1 }] });
    expect(r.success ? [] : r.issues.map((i) => i.path)).toEqual(['/children/0/daat']);
  });

  it('throws SCHEMA_INVALID naming the bad keyword and where it is', async () => {
    await expect(compileSchema({ properties: { x: { minLength: 'ten' } } })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringContaining('"minLength" at #/properties/x/minLength') as unknown,
    });
  });

  it('names the bad keyword and its path on the compliant engine too', async () => {
    await expect(
      compileSchema({ unevaluatedProperties: false, properties: { x: { minLength: 'ten' } } }),
    ).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringContaining('"minLength" at #/properties/x/minLength') as unknown,
    });
    await expect(compileSchema({ type: 'string', pattern: '(' })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringContaining('pattern at #/pattern') as unknown,
    });
  });

  it('throws SCHEMA_REF_NOT_FOUND for an unregistered reference, without fetching it', async () => {
    await expect(compileSchema({ $ref: 'https://example.com/missing.json' })).rejects.toMatchObject({
      code: 'SCHEMA_REF_NOT_FOUND',
    });
    await expect(
      compileSchema({ $ref: 'https://example.com/missing.json', unevaluatedProperties: false }),
    ).rejects.toMatchObject({ code: 'SCHEMA_REF_NOT_FOUND' });
  });

  it('reports invalid data whose property name has a lone surrogate instead of throwing, on both engines', async () => {
    for (const engine of ['ajv', 'hyperjump'] as const) {
      const v = await compileSchema({ type: 'object', additionalProperties: { type: 'string' } }, { engine });
      expect(v.validate({ '\ud800': 'x' }).success).toBe(true);
      expect(v.validate({ '\ud800': 1 }).success).toBe(false);
    }
  });

  it('rejects an unknown $schema with SCHEMA_UNSUPPORTED_DRAFT', async () => {
    await expect(compileSchema({ $schema: 'http://json-schema.org/draft-04/schema#' })).rejects.toMatchObject({
      code: 'SCHEMA_UNSUPPORTED_DRAFT',
    });
  });
});

describe('hostile patterns', () => {
  const evil = 'a'.repeat(50_000) + '!';

  it('evaluates a catastrophic-backtracking pattern in linear time (RE2) on both engines', async () => {
    for (const extra of [{}, { unevaluatedProperties: false }]) {
      const v = await compileSchema({ properties: { s: { type: 'string', pattern: '^(a+)+$' } }, ...extra });
      const r = v.validate({ s: evil });
      expect(r.success ? [] : r.issues.map((i) => i.code)).toEqual(['pattern']);
      expect(v.validate({ s: 'aaaa' }).success).toBe(true);
    }
  });

  it('applies the same policy to patternProperties', async () => {
    const v = await compileSchema({ patternProperties: { '^(a|aa)+$': { type: 'number' } } });
    expect(v.validate({ [evil.slice(0, 30)]: 'x' }).success).toBe(false);
    expect(v.validate({ [evil]: 'x' }).success).toBe(true);
  });

  it('keeps lookaround patterns that cannot backtrack, and rejects those that can', async () => {
    const v = await compileSchema({ type: 'string', pattern: '^(?!draft)[a-z]+$' });
    expect(v.validate('final').success).toBe(true);
    expect(v.validate('drafty').success).toBe(false);
    await expect(compileSchema({ type: 'string', pattern: '^(?=x)(a+)+$' })).rejects.toMatchObject({
      code: 'SCHEMA_UNSAFE_PATTERN',
      message: expect.stringContaining('#/pattern') as unknown,
    });
  });

  it('stops `.` at every line terminator, as JavaScript does, on both engines', async () => {
    for (const extra of [{}, { unevaluatedProperties: false }]) {
      // Neither pattern is provably linear, so both run on RE2.
      const v = await compileSchema({
        properties: { title: { type: 'string', pattern: '^[A-Z].*[.!?]$' }, dots: { type: 'string', pattern: '^(a+)+\\.[.]$' } },
        ...extra,
      });
      expect(v.engine).toBe('unevaluatedProperties' in extra ? 'hyperjump' : 'ajv');
      expect(v.validate({ title: 'Hello world.' }).success).toBe(true);
      for (const eol of ['\n', '\r', '\u2028', '\u2029']) expect(v.validate({ title: `Hello${eol}world.` }).success).toBe(false);
      expect(v.validate({ dots: 'aa..' }).success).toBe(true);
      expect(v.validate({ dots: 'aaxx' }).success).toBe(false);
    }
  });

  it('follows JavaScript semantics for \\uXXXX escapes and Unicode \\s', async () => {
    const v = await compileSchema({ type: 'string', pattern: '^\\u00e4\\s\\d$' });
    expect(v.validate('ä\u00a01').success).toBe(true);
    expect(v.validate('a 1').success).toBe(false);
  });
});
