import { describe, expect, it } from 'vitest';
import { ExportConfigSchema } from '@lorakit/jsonl-exporter';
import { deriveConfigFlags } from './config-flags.js';
import { EXPORT_FLAG_OPT_OUTS } from '../commands/export-flags.js';

describe('export flags derived from ExportConfigSchema', () => {
  const { flags, unsupported } = deriveConfigFlags(ExportConfigSchema, EXPORT_FLAG_OPT_OUTS);
  const names = new Set(flags.map((f) => f.name));

  it('every config key has a flag or an explicit opt-out', () => {
    expect(unsupported).toEqual([]);
  });

  it('names nested keys with dots and kebab-case', () => {
    expect(names).toContain('style');
    expect(names).toContain('field-mapping.instruction-field');
    expect(names).toContain('dedup.near');
    expect(names).toContain('output.dir');
    expect(names).toContain('source.type');
    expect(names).toContain('source.path');
  });

  it('offers every source type as a choice of --source.type', () => {
    const type = flags.find((f) => f.name === 'source.type');
    expect(type?.choices).toEqual(expect.arrayContaining(['jsonl', 'sqlite', 'postgres', 'csv']));
  });
});
