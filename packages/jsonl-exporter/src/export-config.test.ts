import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExportConfigSchema, parseExportConfig } from './export-config.js';
import { exportConfigJsonSchemaText } from './internal/json-schema.js';

const source = { type: 'jsonl', path: 'records.jsonl' } as const;

describe('parseExportConfig', () => {
  it('fills every default, keeping the old system\'s names', () => {
    const config = parseExportConfig({ source });
    expect(config.style).toBe('instruction');
    expect(config.field_mapping.instruction_field).toBe('instruction');
    expect(config.weighting.weight_field).toBe('weight');
    expect(config.weighting.half_life_days).toBe(180);
    expect([config.weighting.min_weight, config.weighting.max_weight]).toEqual([0, 2]);
    expect(config.quality.min_text_length).toBe(1);
    expect(config.structured_gen.reject_invalid_samples).toBe(true);
    expect(config.quality.toxicity.enabled).toBe(false);
    expect(config.pii.policy).toBe('off');
    expect(config.continue_on_error).toBe(true);
    expect(config.output.compression).toBe('none');
  });

  it('refuses settings that would silently do nothing: a misspelt PII type, gates without the report', () => {
    // As a filter, "emails" would match no detected type: redaction off, and "samples with PII: 0".
    expect(() => parseExportConfig({ source, pii: { policy: 'redact', types: ['emails', 'phone'] } })).toThrow(/pii\.types\.0: .*"email"/);
    expect(() => parseExportConfig({ source, pii: { policy: 'redact', phone_regions: ['DE', 'Germany'] } })).toThrow(/pii\.phone_regions\.1: must be a two-letter country code/);
    expect(() => parseExportConfig({ source, pii: { policy: 'redact', phone_regions: ['UK'] } })).toThrow(/pii\.phone_regions\.0: .*the United Kingdom is "GB"/);
    // A country whose national numbers have no trunk 0 would add nothing and silence the warning that asks for one.
    expect(() => parseExportConfig({ source, pii: { policy: 'redact', phone_regions: ['de', 'IT'] } })).toThrow(/pii\.phone_regions\.1: phone region "IT" is not supported/);
    expect(parseExportConfig({ source, pii: { types: ['email', 'ipv6'] } }).pii.types).toEqual(['email', 'ipv6']);
    expect(() => parseExportConfig({ source, quality_metrics: { enabled: false, gates: ['piiRate == 0'] } })).toThrow(
      'quality_metrics.gates: gates are evaluated on the quality report: set quality_metrics.enabled to true, or remove the gates',
    );
    expect(parseExportConfig({ source, quality_metrics: { enabled: false } }).quality_metrics.gates).toEqual([]);
    // A language that is no code would make every sample a mismatch: refused here, naming the key.
    expect(() => parseExportConfig({ source, quality_metrics: { expected_languages: ['english'] } })).toThrow(/quality_metrics\.expected_languages\.0: must be an ISO 639-1 language code/);
    expect(parseExportConfig({ source, quality_metrics: { expected_languages: ['EN', 'de-AT'] } }).quality_metrics.expected_languages).toEqual(['EN', 'de-AT']);
  });

  it('says what is wrong with a value of a key that takes two forms, not just "Invalid input"', () => {
    const gates = (gate: unknown) => () => parseExportConfig({ source, quality_metrics: { enabled: true, gates: [gate] } });
    // An object gate with a misspelt key: the object form's problems.
    expect(gates({ metric: 'piiRate', max: 0 })).toThrow(
      /quality_metrics\.gates\.0: op: .*; value: .*; Unrecognized key: "max" \(expected a gate: a string such as "complianceRate >= 0\.99", or an object \{ metric, op, value \}\)/,
    );
    // A value of neither form: the forms.
    expect(gates(5)).toThrow(/quality_metrics\.gates\.0: expected a gate: a string such as/);
    expect(() => parseExportConfig({ source, structured_gen: { enabled: true, json_schema: 5 } })).toThrow(
      'structured_gen.json_schema: expected a JSON Schema object, or the path of a JSON Schema file',
    );
  });

  it('names the file and every bad key path in one EXPORT_CONFIG_INVALID error', () => {
    let error: unknown;
    try {
      parseExportConfig(
        { source, style: 'alpaca', weighting: { half_life_days: -1 }, split: { validation: 0.6, test: 0.5 }, typo: 1 },
        { file: 'lorakit.yaml' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID' });
    const message = (error as Error).message;
    expect(message).toContain('lorakit.yaml');
    for (const path of ['style', 'weighting.half_life_days', 'split.validation', '(root)']) expect(message).toContain(path);
    expect(message).toContain('typo');
  });

  it('refuses a near-duplicate threshold of 0 up front, which the index would refuse only when the export starts', () => {
    expect(() => parseExportConfig({ source, dedup: { near: true, near_threshold: 0 } })).toThrow(/dedup\.near_threshold/);
    expect(parseExportConfig({ source, dedup: { near: true, near_threshold: 1 } }).dedup.near_threshold).toBe(1);
  });

  it('refuses a custom template whose placeholder is not closed, which would be written literally into every line', () => {
    const custom = (a: string) => () => parseExportConfig({ source: { type: 'stdin' }, style: 'custom', format: { custom: { a, b: 'output' } } });
    expect(custom('{{instruction')).toThrowError(/format\.custom\.a: a template placeholder is not closed: write \{\{field\}\}/);
    expect(custom('{{question}}\n\n{{ context }}')).not.toThrow();
    expect(custom('meta.source')).not.toThrow();
  });

  it('says whether source.type is missing or unknown, with the types there are', () => {
    expect(() => parseExportConfig({ source: { path: 'in.jsonl' } })).toThrow(/source\.type: required: the kind of source, one of "jsonl", "json", "csv"/);
    expect(() => parseExportConfig({ source: { type: 'jsonx', path: 'in.jsonl' } })).toThrow(/source\.type: unknown source type "jsonx"; expected one of "jsonl"/);
  });

  it('rejects a partition index outside its count', () => {
    expect(() => parseExportConfig({ source, partition: { index: 2, count: 2 } })).toThrowError(/partition\.index/);
  });

  it('refuses a weighting.now that is no date and a min_weight above max_weight, naming the field', () => {
    for (const now of ['yesterday', '2026-13-01', '2025-02-30']) {
      expect(() => parseExportConfig({ source, weighting: { now } })).toThrowError(/weighting\.now: must be an ISO 8601 date/);
    }
    expect(parseExportConfig({ source, weighting: { now: '2026-01-01T00:00:00+02:00' } }).weighting.now).toBe('2026-01-01T00:00:00+02:00');
    expect(() => parseExportConfig({ source, weighting: { min_weight: 3, max_weight: 1 } })).toThrowError(
      /weighting\.max_weight: min_weight must not be above max_weight/,
    );
  });

  it('refuses a filter that does not parse as a config issue on the key filter, with the column of the problem', () => {
    let error: unknown;
    try {
      parseExportConfig({ source, filter: 'lang == "de" and' }, { file: 'lorakit.yaml' });
    } catch (e) {
      error = e;
    }
    // Before: the config parsed, and the export failed later with EXPORT_FILTER_INVALID, naming no file or key.
    expect(error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID' });
    const issues = (error as { cause: { issues: { path: PropertyKey[]; message: string }[] } }).cause.issues;
    expect(issues.map((issue) => [issue.path, issue.message.split('\n')[0]])).toEqual([
      [['filter'], 'Invalid filter expression at column 17: expected a field or a value, found the end of the expression'],
    ]);
    expect(parseExportConfig({ source, filter: 'lang == "de"' }).filter).toBe('lang == "de"');
    // Blank means no filter, as the export reads it.
    expect(parseExportConfig({ source, filter: '  ' }).filter).toBe('  ');
  });

  it('describes every field (the CLI derives its flags and help from the descriptions)', () => {
    const schema = JSON.parse(exportConfigJsonSchemaText()) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      const props = n['properties'] as Record<string, Record<string, unknown>> | undefined;
      if (props) {
        for (const [key, child] of Object.entries(props)) {
          if (child['description'] === undefined && path !== 'source') missing.push(`${path}${key}`);
          walk(child, `${path}${key}.`);
        }
      }
    };
    walk(schema, '');
    expect(missing).toEqual([]);
    expect(ExportConfigSchema.description).toBeTruthy();
  });
});

describe('export-config.schema.json', () => {
  it('is up to date with ExportConfigSchema (regenerate: node scripts/generate-schema.mjs after a build)', () => {
    const committed = readFileSync(new URL('./export-config.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(exportConfigJsonSchemaText());
  });

  it('is published as @lorakit/jsonl-exporter/export-config.schema.json (needs the build)', () => {
    const resolved = fileURLToPath(import.meta.resolve('@lorakit/jsonl-exporter/export-config.schema.json'));
    expect(resolved).toBe(fileURLToPath(new URL('../dist/export-config.schema.json', import.meta.url)));
    // tsc re-indents the JSON it copies into dist/.
    expect(JSON.parse(readFileSync(resolved, 'utf8'))).toEqual(JSON.parse(exportConfigJsonSchemaText()));
  });
});
