import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.js';
import { createSchemaInferrer, inferSchema } from './infer-schema.js';

const samples = Array.from({ length: 40 }, (_, i) => ({
  id: `0b7c1c8e-6a1f-4c3e-9f0a-${String(i).padStart(12, '0')}`,
  lang: ['de', 'en'][i % 2],
  text: `${'Grüße 👍'.repeat(1 + (i % 3))} ${i}`,
  created: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
  score: i % 4 === 0 ? null : i / 2,
  meta: i % 2 === 0 ? { source: 'web', tags: ['a', 'b'] } : { source: 'wiki', tags: [] },
  ...(i % 10 === 0 ? {} : { note: 'optional' }),
}));

describe('inferSchema', () => {
  it('describes types, nullability, nesting, required fields, lengths, enums and formats', () => {
    const schema = inferSchema(samples);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['id', 'lang', 'text', 'created', 'score', 'meta'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        lang: { enum: ['de', 'en'] },
        text: { type: 'string', minLength: 9, maxLength: 24 },
        created: { type: 'string', format: 'date-time' },
        score: { type: ['number', 'null'] },
        meta: {
          type: 'object',
          required: ['source', 'tags'],
          properties: { source: { enum: ['web', 'wiki'] }, tags: { type: 'array', items: { type: 'string' } } },
        },
        note: { type: 'string' },
      },
    });
  });

  it('marks a field required when present in at least requiredThreshold of the objects', () => {
    expect(inferSchema(samples, { requiredThreshold: 0.9 })['required']).toContain('note');
    expect(inferSchema(samples, { requiredThreshold: 0.95 })['required']).not.toContain('note');
  });

  it('narrows length bounds with percentiles and widens them with a margin', () => {
    const lengths = [...Array.from({ length: 98 }, () => 'x'.repeat(50)), 'x', 'x'.repeat(5000)];
    const opts = { enumMaxValues: 0 } as const;
    expect(inferSchema(lengths, opts)).toMatchObject({ minLength: 1, maxLength: 5000 });
    expect(inferSchema(lengths, { ...opts, lengthPercentiles: [0.02, 0.98] })).toMatchObject({ minLength: 50, maxLength: 50 });
    expect(inferSchema(lengths, { ...opts, lengthPercentiles: [0.02, 0.98], lengthMargin: 0.2 })).toMatchObject({
      minLength: 40,
      maxLength: 60,
    });
  });

  it('leaves out length bounds with lengthBounds false', () => {
    const schema = inferSchema([{ text: 'short' }, { text: 'a longer text' }], { lengthBounds: false });
    expect(schema['properties']).toEqual({ text: { type: 'string' } });
  });

  it('describes a Date (a database timestamp) as the date-time string JSON makes of it', async () => {
    const rows = [{ at: new Date('2026-11-26T06:00:00Z') }, { at: new Date('2025-01-01T00:00:00.123Z') }];
    const schema = inferSchema(rows, { lengthBounds: false });
    expect(schema['properties']).toEqual({ at: { type: 'string', format: 'date-time' } });
    const validator = await compileSchema(schema, { formats: 'assert' });
    for (const row of rows) expect(validator.validate(JSON.parse(JSON.stringify(row))).success).toBe(true);
  });

  it('detects only formats both engines accept, so the schema takes its samples on either', async () => {
    const rows = [
      { at: '2024-01-01 10:00:00+00:00', id: 'urn:uuid:6fa459ea-ee8a-3ca4-894e-db77e160355e', day: '2024-01-01' },
      { at: '2024-01-02 11:00:00+00:00', id: 'urn:uuid:6fa459ea-ee8a-3ca4-894e-db77e160355f', day: '2024-01-02' },
    ];
    const schema = inferSchema(rows, { lengthBounds: false });
    // Before: date-time and uuid, which hyperjump refuses for these spellings (Python's str(datetime), a URN); a URN
    // is a uri on both.
    expect(schema['properties']).toEqual({ at: { type: 'string' }, id: { type: 'string', format: 'uri' }, day: { type: 'string', format: 'date' } });
    for (const engine of ['ajv', 'hyperjump'] as const) {
      const validator = await compileSchema(schema, { formats: 'assert', engine });
      for (const row of rows) expect(validator.validate(row).success, engine).toBe(true);
    }
  });

  it('describes a "__proto__" property of parsed JSON like any other', async () => {
    const schema = inferSchema([JSON.parse('{"__proto__":{"x":1},"a":"s"}')], { lengthBounds: false });
    expect(JSON.parse(JSON.stringify(schema))).toMatchObject({
      required: ['__proto__', 'a'],
      properties: { ['__proto__']: { type: 'object', required: ['x'], properties: { x: { type: 'integer' } } } },
    });
    const validator = await compileSchema(schema);
    expect(validator.validate(JSON.parse('{"__proto__":{"x":2},"a":"t"}')).success).toBe(true);
    const result = validator.validate(JSON.parse('{"__proto__":"no object","a":"t"}'));
    expect(result.success ? [] : result.issues.map((i) => [i.code, i.path])).toEqual([['invalid_type', '/__proto__']]);
  });

  it('leaves out a property whose name has a lone surrogate, so the schema still compiles on both engines', async () => {
    const rows = [{ '\ud800': 1, a: 'x' }];
    const schema = inferSchema(rows, { lengthBounds: false });
    expect(schema).toMatchObject({ properties: { a: { type: 'string' } }, required: ['a'] });
    expect(Object.keys(schema['properties'] as object)).toEqual(['a']);
    expect(schema['$comment']).toContain('"\\ud800"');
    for (const engine of ['ajv', 'hyperjump'] as const) {
      const validator = await compileSchema(schema, { engine });
      expect(validator.validate(rows[0]).success).toBe(true);
    }
  });

  it('describes values nested deeper than 64 levels as anything, however deep', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const schema = inferSchema([{ q: 'Q', meta: deep }, { q: 'R', meta: [[1]] }]);
    const validator = await compileSchema(schema);
    expect(validator.validate({ q: 'S', meta: [[2]] }).success).toBe(true);
    expect(JSON.stringify(schema).length).toBeLessThan(10_000);
  });

  it('streams: the inferrer gives the same schema as the batch call', () => {
    const inferrer = createSchemaInferrer();
    for (const s of samples) inferrer.add(s);
    expect(inferrer.count).toBe(40);
    expect(inferrer.toSchema()).toEqual(inferSchema(samples));
  });

  it('always accepts the samples it was inferred from (formats asserted)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 30 }), async (values) => {
        const validator = await compileSchema(inferSchema(values, { enumMinSamples: 1 }), { formats: 'assert' });
        for (const v of values) expect(validator.validate(v).success).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects options out of range with SCHEMA_INVALID_OPTIONS', () => {
    expect(() => inferSchema([], { requiredThreshold: 2 })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID_OPTIONS' }));
  });
});
