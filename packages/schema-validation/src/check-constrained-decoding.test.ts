import { describe, expect, it } from 'vitest';
import { checkConstrainedDecoding } from './check-constrained-decoding.js';

const schema = {
  type: 'object',
  required: ['answer', 'confidence'],
  additionalProperties: false,
  properties: {
    answer: { type: 'string', minLength: 1, pattern: '^[A-Z]' },
    confidence: { type: 'number', minimum: 0, maximum: 1, multipleOf: 0.01 },
    when: { type: 'string', format: 'date-time' },
    host: { type: 'string', format: 'hostname' },
    labels: { type: 'object', patternProperties: { '^x-': { type: 'string' } } },
    kind: { oneOf: [{ type: 'string' }, { type: 'string', maxLength: 3 }] },
    shape: {
      oneOf: [
        { type: 'object', required: ['t'], properties: { t: { const: 'circle' } } },
        { type: 'object', required: ['t'], properties: { t: { const: 'square' } } },
      ],
    },
  },
};

const summary = (backend: 'outlines' | 'xgrammar' | 'guidance') =>
  checkConstrainedDecoding(schema, backend).findings.map((f) => `${f.severity} ${f.schemaPath}`);

describe('checkConstrainedDecoding', () => {
  it('outlines: ignored keywords beside the dispatching one, first string constraint only, oneOf not exclusive', () => {
    const findings = summary('outlines');
    // outlines writes exactly the listed properties, which additionalProperties: false allows: no finding (it was one).
    expect(findings).not.toContain('ignored #/additionalProperties');
    expect(findings).toContain('ignored #/properties/answer/pattern');
    expect(findings).toContain('ignored #/properties/confidence/minimum');
    expect(findings).toContain('ignored #/properties/confidence/maximum');
    expect(findings).toContain('ignored #/properties/confidence/multipleOf');
    expect(findings).toContain('unsupported #/properties/host/format');
    expect(findings).toContain('ignored #/properties/labels/patternProperties');
    expect(findings).toContain('ignored #/properties/kind/oneOf');
    expect(findings).not.toContain('unsupported #/properties/when/format');
    expect(checkConstrainedDecoding(schema, 'outlines')).toMatchObject({ compatible: false, accepted: false });
  });

  it('every backend accepts a oneOf whose branches provably exclude each other', () => {
    const exclusive = {
      type: 'object',
      properties: {
        id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        shape: schema.properties.shape,
      },
    };
    for (const backend of ['outlines', 'xgrammar', 'guidance'] as const) {
      expect(checkConstrainedDecoding(exclusive, backend)).toMatchObject({ compatible: true, findings: [] });
    }
  });

  it('outlines: rejects a typeless schema, joins allOf branches, bounds object keys', () => {
    const report = checkConstrainedDecoding(
      {
        type: 'object',
        properties: {
          any: { description: 'anything' },
          both: { allOf: [{ type: 'string' }, { type: 'string', maxLength: 5 }] },
          map: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
        },
        allOf: [{ properties: { x: { minLength: 1 } } }, { required: ['x'] }],
      },
      'outlines',
    );
    expect(report.findings.map((f) => `${f.severity} ${f.schemaPath}`)).toEqual([
      'ignored #/allOf',
      'unsupported #/properties/any/type',
      'ignored #/properties/both/allOf',
    ]);
  });

  it('xgrammar: unsupported keywords and formats as vLLM screens them, oneOf read as anyOf', () => {
    expect(summary('xgrammar')).toEqual([
      // A pattern beside minLength: xgrammar builds the string from the pattern alone.
      'ignored #/properties/answer/minLength',
      'unsupported #/properties/confidence/multipleOf',
      'unsupported #/properties/labels/patternProperties',
      'ignored #/properties/kind/oneOf',
    ]);
  });

  it('xgrammar: warns about keywords it does not enforce, a multi-branch allOf and an overlapping oneOf', () => {
    const report = checkConstrainedDecoding(
      {
        type: 'object',
        minProperties: 1,
        properties: {
          a: { oneOf: [{ type: 'string' }, { type: 'string', minLength: 2 }] },
          b: { allOf: [{ type: 'integer' }, { minimum: 3 }] },
          c: { type: 'integer', not: { const: 0 } },
          d: { type: 'string', if: { minLength: 3 }, then: { pattern: '^x' } },
        },
        dependentRequired: { a: ['b'] },
      },
      'xgrammar',
    );
    expect(report.findings.map((f) => `${f.severity} ${f.schemaPath}`)).toEqual([
      'ignored #/dependentRequired',
      'ignored #/properties/a/oneOf',
      'ignored #/properties/b/allOf',
      'ignored #/properties/c/not',
      'ignored #/properties/d/if',
      'ignored #/properties/d/then',
    ]);
    expect(report).toMatchObject({ compatible: false, accepted: true });
  });

  it('guidance: a oneOf that is not provably exclusive, every keyword outside its supported list', () => {
    expect(summary('guidance')).toEqual(['unsupported #/properties/kind/oneOf']);
    const report = checkConstrainedDecoding(
      {
        type: 'object',
        properties: {
          tags: { type: 'array', uniqueItems: true, contains: { const: 'x' } },
          n: { type: 'integer', not: { const: 0 } },
          s: { type: 'string', if: { minLength: 3 }, then: { pattern: '^x' } },
          m: { type: 'object', propertyNames: { pattern: '^[a-z]+$' } },
          link: { type: 'string', format: 'uri' },
          headers: { type: 'object', patternProperties: { '^x-': { type: 'string' } }, additionalProperties: false },
        },
        dependentRequired: { n: ['s'] },
        unevaluatedProperties: false,
      },
      'guidance',
    );
    expect(report.findings.map((f) => `${f.severity} ${f.schemaPath}`)).toEqual([
      'unsupported #/dependentRequired',
      'unsupported #/unevaluatedProperties',
      'unsupported #/properties/tags/uniqueItems',
      'unsupported #/properties/tags/contains',
      'unsupported #/properties/n/not',
      'unsupported #/properties/s/if',
      'unsupported #/properties/s/then',
      'unsupported #/properties/m/propertyNames',
    ]);
    expect(report.accepted).toBe(false);
  });

  it('xgrammar: keywords beside $ref, const, enum, anyOf, oneOf or allOf are not read; remote refs and lookaround are not enforced', () => {
    const paths = (s: object) => checkConstrainedDecoding(s, 'xgrammar').findings.map((f) => `${f.severity} ${f.schemaPath}`);
    // Before: all compatible. xgrammar's Parse takes the first of those keys and reads nothing else of the schema.
    expect(paths({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'], allOf: [{ required: ['a'] }] })).toEqual([
      'ignored #/type',
      'ignored #/properties',
      'ignored #/required',
    ]);
    expect(paths({ $ref: '#/$defs/s', maxLength: 3, $defs: { s: { type: 'string' } } })).toEqual(['ignored #/maxLength']);
    expect(paths({ $ref: 'https://example.com/s.json' })).toEqual(['ignored #/$ref']);
    expect(paths({ type: 'string', pattern: '^(?!admin)[a-z]+$' })).toEqual(['ignored #/pattern']);
    // A type every value has loses nothing.
    expect(paths({ type: 'string', enum: ['a', 'b'] })).toEqual([]);
    expect(paths({ type: 'string', enum: ['a', 1] })).toEqual(['ignored #/type']);
    // GenerateString: a known format, else the pattern, else the lengths; never two of them.
    expect(paths({ type: 'string', format: 'email', pattern: '@example\\.com$', maxLength: 40 })).toEqual(['ignored #/pattern', 'ignored #/maxLength']);
    expect(paths({ type: 'string', pattern: '^[a-z]+$', minLength: 2 })).toEqual(['ignored #/minLength']);
    expect(paths({ type: 'string', minLength: 2, maxLength: 9 })).toEqual([]);
    // Beside $ref, allOf and format are not read: one finding each, and nothing refused that is never read.
    expect(paths({ $ref: '#/$defs/s', allOf: [{}, {}], format: 'foo', $defs: { s: { type: 'string' } } })).toEqual(['ignored #/allOf', 'ignored #/format']);
    // An escaped bracket is no lookaround.
    expect(paths({ type: 'string', pattern: '^\\(?=x' })).toEqual([]);
  });

  it('outlines: what only constrains keys or items it never writes is no finding, and is not looked into', () => {
    const tuple = { prefixItems: [{ type: 'string' }], items: { type: 'integer', minimum: 3 } };
    expect(checkConstrainedDecoding(tuple, 'outlines').findings).toEqual([]);
    const extra = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'integer', minimum: 3 } };
    expect(checkConstrainedDecoding(extra, 'outlines').findings).toEqual([]);
    // patternProperties also constrain the listed properties that match: still a finding.
    const matched = { type: 'object', properties: { x_a: { type: 'string' } }, patternProperties: { '^x_': { maxLength: 3 } } };
    expect(checkConstrainedDecoding(matched, 'outlines').findings.map((f) => f.schemaPath)).toEqual(['#/patternProperties']);
  });

  it('outlines: refuses object and array enum/const values and references by anchor', () => {
    const found = (s: object) => checkConstrainedDecoding(s, 'outlines').findings.map((f) => `${f.severity} ${f.schemaPath}`);
    // Before: accepted; outlines-core raises UnsupportedEnumDataType / UnsupportedConstDataType / InvalidReferenceFormat.
    expect(found({ enum: ['a', { b: 1 }] })).toEqual(['unsupported #/enum']);
    expect(found({ const: [1, 2] })).toEqual(['unsupported #/const']);
    expect(found({ $ref: '#item', $defs: { item: { $anchor: 'item', type: 'string' } } })).toEqual(['unsupported #/$ref']);
    expect(found({ enum: ['a', 1, null, true] })).toEqual([]);
  });

  it('outlines: a recursive $ref loses what lies below its depth limit', () => {
    const tree = {
      $ref: '#/$defs/node',
      $defs: { node: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
    };
    // Before: compatible; outlines-core skips a property past its recursion limit even when it is required.
    expect(checkConstrainedDecoding(tree, 'outlines').findings.map((f) => `${f.severity} ${f.schemaPath}`)).toEqual([
      'ignored #/$ref',
      'ignored #/$defs/node/properties/children/items/$ref',
    ]);
    // Through two definitions, and from outside the cycle.
    const mutual = {
      type: 'object',
      required: ['a'],
      properties: { a: { $ref: '#/$defs/a' } },
      $defs: {
        a: { type: 'object', required: ['b'], properties: { b: { $ref: '#/$defs/b' } } },
        b: { type: 'object', required: ['a'], properties: { a: { $ref: '#/$defs/a' } } },
      },
    };
    expect(checkConstrainedDecoding(mutual, 'outlines').findings.map((f) => f.schemaPath)).toEqual([
      '#/properties/a/$ref',
      '#/$defs/a/properties/b/$ref',
      '#/$defs/b/properties/a/$ref',
    ]);
    expect(checkConstrainedDecoding({ type: 'object', properties: { a: { $ref: '#/$defs/s' } }, $defs: { s: { type: 'string' } } }, 'outlines').findings).toEqual([]);
  });

  it('keywords JSON Schema does not define are no finding; llguidance rejects lookaround and reads additionalItems', () => {
    const extra = { type: 'object', nullable: true, 'x-order': 1, discriminator: { propertyName: 't' }, properties: { t: { type: 'string' } } };
    for (const backend of ['outlines', 'xgrammar', 'guidance'] as const) {
      // Before: guidance rejected the schema, outlines and xgrammar reported the three keys as ignored.
      expect(checkConstrainedDecoding(extra, backend).findings).toEqual([]);
    }
    expect(checkConstrainedDecoding({ type: 'array', items: [{ type: 'string' }], additionalItems: false }, 'guidance').accepted).toBe(true);
    expect(checkConstrainedDecoding({ type: 'string', pattern: '(?<=a)b' }, 'guidance').findings.map((f) => `${f.severity} ${f.schemaPath}`)).toEqual([
      'unsupported #/pattern',
    ]);
  });

  it('guidance: minProperties only when every listed property is required', () => {
    const bounded = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], minProperties: 2 };
    expect(checkConstrainedDecoding(bounded, 'guidance').findings).toEqual([]);
    expect(checkConstrainedDecoding({ ...bounded, required: [] }, 'guidance').findings.map((f) => f.schemaPath)).toEqual([
      '#/minProperties',
    ]);
  });

  it('says a plain schema is fully compatible', () => {
    const plain = { type: 'object', properties: { a: { type: 'string', maxLength: 5 } }, required: ['a'] };
    for (const backend of ['outlines', 'xgrammar', 'guidance'] as const) {
      expect(checkConstrainedDecoding(plain, backend)).toEqual({ backend, compatible: true, accepted: true, findings: [] });
    }
  });

  it('rejects an unknown backend', () => {
    expect(() => checkConstrainedDecoding({}, 'llama' as 'outlines')).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID_OPTIONS' }),
    );
  });
});
