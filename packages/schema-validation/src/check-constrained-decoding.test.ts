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
    expect(findings).toContain('ignored #/additionalProperties');
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

  it('xgrammar: unsupported keywords and formats as vLLM screens them', () => {
    expect(summary('xgrammar')).toEqual([
      'unsupported #/properties/confidence/multipleOf',
      'unsupported #/properties/labels/patternProperties',
    ]);
  });

  it('guidance: patternProperties, a oneOf that is not provably exclusive, unsupported formats', () => {
    expect(summary('guidance')).toEqual([
      'unsupported #/properties/labels/patternProperties',
      'unsupported #/properties/kind/oneOf',
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
