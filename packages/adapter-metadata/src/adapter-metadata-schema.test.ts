import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { adapterMetadataJsonSchema, adapterMetadataJsonSchemaText } from './internal/json-schema.js';
import { parseAdapterMetadata } from './parse-adapter-metadata.js';
import { safeParseAdapterMetadata } from './safe-parse-adapter-metadata.js';

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/adapter_metadata.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const minimal = { adapter_id: 'sql-helper', base_model: { name: 'google/gemma-3-1b-it' } };

function issuesOf(value: unknown): string[] {
  const result = safeParseAdapterMetadata(value);
  return result.success ? [] : result.issues.map((i) => `${i.code} ${i.path}`);
}

describe('adapter-metadata.schema.json', () => {
  it('is the committed copy of what the zod model generates (run `npm run generate:schema` after a build if not)', () => {
    const committed = readFileSync(new URL('./adapter-metadata.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(adapterMetadataJsonSchemaText());
  });

  it('is draft 2020-12 with descriptions, and accepts a real metadata file in Ajv', () => {
    const schema = adapterMetadataJsonSchema();
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    const properties = schema['properties'] as Record<string, { description?: string }>;
    expect(properties['adapter_id']?.description).toMatch(/vLLM/);
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
    expect(validate(fixture)).toBe(true);
    expect(validate({ ...fixture, adapter_version: 'v1' })).toBe(false);
    expect(validate({ ...minimal, training: { lora_dropout: 1 } })).toBe(false);
  });
});

describe('AdapterMetadataSchema rules', () => {
  it('applies the original defaults: version 1.0.0, rank 8, alpha 16, dropout 0.1', () => {
    const meta = parseAdapterMetadata(minimal);
    expect(meta.adapter_version).toBe('1.0.0');
    expect(meta.training).toEqual({ lora_rank: 8, lora_alpha: 16, lora_dropout: 0.1 });
    expect(meta.provenance.datasets).toEqual([]);
    expect(meta.custom).toEqual({});
  });

  it.each([
    [{ training: { lora_rank: 0 } }, 'too_small /training/lora_rank'],
    [{ training: { lora_rank: 2.5 } }, 'invalid_type /training/lora_rank'],
    [{ training: { lora_alpha: 0 } }, 'too_small /training/lora_alpha'],
    [{ training: { lora_dropout: 1 } }, 'too_big /training/lora_dropout'],
    [{ training: { lora_dropout: -0.1 } }, 'too_small /training/lora_dropout'],
    [{ training: { target_modules: [] } }, 'too_small /training/target_modules'],
    [{ adapter_version: '1.0' }, 'pattern /adapter_version'],
    [{ adapter_id: 'Support Bot!' }, 'pattern /adapter_id'],
    [{ provenance: { parent_adapter_id: 'sql-helper' } }, 'parent_is_self /provenance/parent_adapter_id'],
    [{ task: { language: 'english language' } }, 'pattern /task/language'],
    [{ base_model: {} }, 'required /base_model/name'],
  ])('rejects %j with %s', (patch, expected) => {
    expect(issuesOf({ ...minimal, ...patch })).toEqual([expected]);
  });

  it('says what to do in its messages', () => {
    const result = safeParseAdapterMetadata({ ...minimal, training: { lora_dropout: 1 } });
    expect(result.success ? '' : result.issues[0]?.message).toBe('must be in [0, 1)');
  });

  it('accepts target_modules as a PEFT regex string, languages as a list, keywords and any JSON in custom', () => {
    const meta = parseAdapterMetadata({
      ...minimal,
      task: { language: ['en', 'pt-BR'], keywords: ['sql', 'analytics'] },
      training: { target_modules: '.*\\.(q|v)_proj$' },
      custom: { score: 4.5, tags: ['a'], nested: { ok: true }, nothing: null },
    });
    expect(meta.training.target_modules).toBe('.*\\.(q|v)_proj$');
    expect(meta.task.keywords).toEqual(['sql', 'analytics']);
    expect(meta.custom).toEqual({ score: 4.5, tags: ['a'], nested: { ok: true }, nothing: null });
  });

  it('throws METADATA_INVALID listing every issue', () => {
    expect(() => parseAdapterMetadata({ adapter_id: 'x', training: { lora_rank: -1 } })).toThrow(
      expect.objectContaining({ code: 'METADATA_INVALID', issues: [
        expect.objectContaining({ path: '/base_model' }), expect.objectContaining({ path: '/training/lora_rank' }),
      ] }));
  });
});

describe('safeParseAdapterMetadata', () => {
  it('answers with an issue, not an exception, for a value too deep to read or holding what JSON cannot', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    // Before: a RangeError (the server answered 500).
    expect(safeParseAdapterMetadata({ ...minimal, custom: { x: deep } })).toEqual({
      success: false,
      issues: [{ code: 'too_deep', path: '', message: 'the metadata is nested too deeply to read' }],
    });
    const fn = safeParseAdapterMetadata({ ...minimal, custom: { f: () => 1 } });
    expect(fn.success ? [] : fn.issues.map((i) => i.code)).toEqual(['invalid_type']);
  });

  it('never modifies its input, whether the import succeeds or fails', () => {
    const legacy = JSON.parse(readFileSync(new URL('../test/fixtures/legacy_adapter_metadata.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const snapshot = structuredClone(legacy);
    expect(safeParseAdapterMetadata(legacy).success).toBe(true);
    expect(legacy).toEqual(snapshot);
    const broken = { ...structuredClone(legacy), adapter_version: 'one' };
    const brokenSnapshot = structuredClone(broken);
    expect(safeParseAdapterMetadata(broken).success).toBe(false);
    expect(broken).toEqual(brokenSnapshot);
  });
});
