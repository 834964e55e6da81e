import { describe, expect, it } from 'vitest';
import { ExportConfigSchema } from '@lorakit/jsonl-exporter';
import { applyFlags, deriveConfigFlags } from './config-flags.js';
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

describe('applyFlags', () => {
  const { flags } = deriveConfigFlags(ExportConfigSchema, EXPORT_FLAG_OPT_OUTS);
  const apply = (config: Record<string, unknown>, given: Record<string, unknown>) => applyFlags(config, flags, (f) => given[f.name]);

  it('a flag for source.query replaces the file\'s source.table, and the other way round', () => {
    const file = () => ({ source: { type: 'sqlite', path: 'db.sqlite', table: 'docs' }, style: 'instruction' });
    expect(apply(file(), { 'source.query': 'SELECT * FROM docs WHERE lang = \'de\'' }).source).toEqual({
      type: 'sqlite',
      path: 'db.sqlite',
      query: "SELECT * FROM docs WHERE lang = 'de'",
    });
    expect(apply({ source: { type: 'sqlite', path: 'db.sqlite', query: 'SELECT 1' } }, { 'source.table': 'docs' }).source).toEqual({
      type: 'sqlite',
      path: 'db.sqlite',
      table: 'docs',
    });
    // Both as flags: both stay, and the config check says to set exactly one.
    expect(apply(file(), { 'source.table': 't', 'source.query': 'SELECT 1' }).source).toMatchObject({ table: 't', query: 'SELECT 1' });
  });

  it('refuses a flag into a section of the file that is not a mapping, instead of replacing it unseen', () => {
    // Before: `split: 0.1` in the file and --split.seed 3 ran with the default split, the file's 0.1 dropped.
    expect(() => apply({ split: 0.1 }, { 'split.seed': 3 })).toThrowError(
      expect.objectContaining({ code: 'CLI_USAGE', message: "--split.seed: the config file's split is not a mapping (0.1), so split.seed cannot be set in it" }),
    );
    expect(apply({}, { 'split.seed': 3 }).split).toEqual({ seed: 3 });
  });
});
