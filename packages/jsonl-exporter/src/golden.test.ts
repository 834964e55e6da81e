import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from './export-config.js';
import { exportRecords } from './export-records.js';
import type { RejectEntry } from './export-stats.js';
import type { SourceItem } from './sources/index.js';

const GOLDEN = join(import.meta.dirname, '..', 'test', 'fixtures', 'golden');

async function* items(): AsyncIterable<SourceItem> {
  const text = await readFile(join(GOLDEN, 'records.jsonl'), 'utf8');
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw === '') continue;
    yield { ref: `records.jsonl:${line}`, line, record: JSON.parse(raw) as Record<string, unknown> };
  }
}

const base: Omit<ExportConfigInput, 'style'> = {
  source: { type: 'jsonl', path: 'records.jsonl' },
  split: { validation: 0 },
  weighting: { timestamp_field: 'created_at', now: '2026-07-01T00:00:00Z' },
  format: { metadata_fields: ['meta.source'] },
  field_mapping: { system_field: 'system', prompt_field: 'instruction', completion_field: 'output', text_field: 'output' },
};

const STANDARD_REJECTS = ['map/missing_field', 'filter/empty_response', 'map/missing_field'];

// Chat styles take record a3's ready-made `messages`; the others need the instruction fields it lacks.
const CHAT_REJECTS = ['filter/empty_response', 'map/missing_field'];

const cases: [string, Partial<ExportConfigInput>, string[]?][] = [
  ['instruction', { style: 'instruction' }],
  ['instruction-no-empty-input', { style: 'instruction', format: { include_empty_input: false } }],
  ['chat', { style: 'chat' }, CHAT_REJECTS],
  ['sharegpt', { style: 'sharegpt' }, CHAT_REJECTS],
  ['openai', { style: 'openai', format: { openai_assistant_weight: true } }, CHAT_REJECTS],
  ['completion', { style: 'completion' }],
  ['text', { style: 'text', weighting: { enabled: false } }],
  [
    'custom',
    { style: 'custom', format: { custom: { question: 'instruction', context: 'meta', prompt: '{{instruction}}\n\n{{input}}', answer: 'output' } } },
    ['map/missing_field', 'map/missing_field', 'map/missing_field', 'map/missing_field'],
  ],
  ['parity', { style: 'instruction', weighting: { mode: 'parity' } }],
];

describe('golden output bytes per style', () => {
  for (const [name, over, expectedRejects = STANDARD_REJECTS] of cases) {
    it(`${name} matches test/fixtures/golden/${name}.jsonl byte for byte`, async () => {
      const config = parseExportConfig({
        ...base,
        ...over,
        format: { ...base.format, ...over.format },
        weighting: { ...base.weighting, ...over.weighting },
      });
      let out = '';
      const rejects: RejectEntry[] = [];
      let read = -1;
      for await (const event of exportRecords(items(), config)) {
        if (event.kind === 'line') out += `${event.line}\n`;
        else if (event.kind === 'reject') rejects.push(event.reject);
        else {
          read = event.stats.read;
          expect(event.stats.read).toBe(event.stats.exported + event.stats.rejected);
        }
      }
      expect(read).toBe(5);
      const file = join(GOLDEN, `${name}.jsonl`);
      if (process.env['LORAKIT_UPDATE_GOLDEN'] === '1') await writeFile(file, out);
      expect(out).toBe(await readFile(file, 'utf8'));
      // Every record not exported is accounted for, with the stage that stopped it.
      expect(rejects.map((r) => `${r.stage}/${r.code}`)).toEqual(expectedRejects);
      expect(rejects.every((r) => r.ref === `records.jsonl:${r.line}`)).toBe(true);
    });
  }
});
