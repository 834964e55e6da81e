import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { createQualityAccumulator } from './quality-accumulator.js';
import { QualityReportSchema, qualityReportJsonSchema } from './quality-report.js';

const committed = fileURLToPath(new URL('../report.schema.json', import.meta.url));

describe('report JSON Schema', () => {
  it('the committed report.schema.json is generated from the zod schema (LORAKIT_UPDATE_SCHEMA=1 rewrites it)', () => {
    const generated = JSON.stringify(qualityReportJsonSchema(), null, 2) + '\n';
    if (process.env['LORAKIT_UPDATE_SCHEMA'] === '1') writeFileSync(committed, generated);
    expect(readFileSync(committed, 'utf8')).toBe(generated);
  });

  it('reports validate against both the zod schema and the committed JSON Schema', () => {
    const acc = createQualityAccumulator({ expectedLanguages: ['en'], maxSeqLen: 100 });
    acc.add({ prompt: 'Write to a@example.com', completion: 'Sure, here is the answer to your question.' }, { line: 1 });
    acc.add({ prompt: 'Write to a@example.com', completion: 'Sure, here is the answer to your question.' }, { line: 2 });
    acc.add({ bad: true }, { line: 3 });
    const report = { ...acc.report(), funnel: [{ stage: 'validate', code: 'EXPORT_INVALID', count: 1 }] };
    expect(QualityReportSchema.safeParse(report).success).toBe(true);
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(committed, 'utf8')) as object);
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...report, schemaVersion: 2 })).toBe(false);
  });
});
