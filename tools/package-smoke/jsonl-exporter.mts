// Installed alone: export a small JSONL file to training files with a validation split and a rejects file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExportConfig, runExport, type ExportResult } from '@lorakit/jsonl-exporter';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-smoke-'));
const lines = Array.from({ length: 40 }, (_, i) =>
  JSON.stringify({ id: `r${i}`, question: `Frage Nummer ${i}: wie lang ist die Frist?`, answer: `Antwort ${i}: vierzehn Tage ab Erhalt der Ware.` }),
);
lines.push('{"id": "broken"');
writeFileSync(join(dir, 'records.jsonl'), `${lines.join('\n')}\n`);
const config = parseExportConfig({
  source: { type: 'jsonl', path: 'records.jsonl' },
  field_mapping: { instruction_field: 'question', output_field: 'answer' },
  split: { validation: 0.25, id_field: 'id' },
  output: { dir: 'out' },
  adapter_metadata: { enabled: false },
  quality_metrics: { enabled: false },
});
const result: ExportResult = await runExport(config, { cwd: dir });
const { stats } = result;
if (stats.read !== 41 || stats.exported !== 40 || stats.rejected !== 1) throw new Error(`unexpected stats ${JSON.stringify(stats)}`);
const train = result.files.find((f) => f.split === 'train');
if (train === undefined) throw new Error('no train file');
const first = JSON.parse(readFileSync(train.path, 'utf8').split('\n')[0] ?? '{}') as Record<string, unknown>;
if (typeof first['instruction'] !== 'string' || typeof first['output'] !== 'string') throw new Error(`unexpected line ${JSON.stringify(first)}`);
// The config's JSON Schema is published under its own subpath (editor completion of lorakit.yaml).
const schemaPath = fileURLToPath(import.meta.resolve('@lorakit/jsonl-exporter/export-config.schema.json'));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { properties?: Record<string, unknown> };
if (schema.properties?.['source'] === undefined) throw new Error(`${schemaPath} is not the export config schema`);
// Parquet: hyparquet comes with the package, and row groups are decoded in a worker thread whose file ships in dist.
// Two rows (question/answer), written by hyparquet-writer.
const PARQUET =
  'UEFSMRUGFWIVZFwVBBUAFQQVABUEFQAAAAMDL2wXAAAAV2llIGxhbmcgaXN0IGRpZSBGcmlzdD8QARs4ZXIgZW50c2NoZWlkZXQ/FQYVbhVyXBUEFQAVBBUAFQQVAAAAAwM10CEAAABWaWVyemVobiBUYWdlIGFiIEVyaGFsdCBkZXIgV2FyZS4MAAAARGFzIEdlcmljaHQuFQQZPEgEcm9vdBUEABUMJQIYCHF1ZXN0aW9uJQAAFQwlAhgGYW5zd2VyJQAAFgQZHBksJggcFQwZFQAZGAhxdWVzdGlvbhUCFgQWjAEWjgEmCDw2ACgQV2llIGxhbmcgaXN0IGRpZhgQV2VyIGVudHNjaGVpZGV0PxIAGRwVBhUAFQIAAAAmlgEcFQwZFQAZGAZhbnN3ZXIVAhYEFpgBFpwBJpYBPDYAKBBWaWVyemVobiBUYWdlIGFjGAxEYXMgR2VyaWNodC4SABkcFQYVABUCAAAAFqQCFgQ2qgIAKAloeXBhcnF1ZXQZLBwAABwAAADyAAAAUEFSMQ==';
writeFileSync(join(dir, 'records.parquet'), Buffer.from(PARQUET, 'base64'));
const parquet = await runExport(
  parseExportConfig({ ...config, source: { type: 'parquet', path: 'records.parquet' }, split: { validation: 0 }, output: { dir: 'out-parquet' } }),
  { cwd: dir },
);
const parquetTrain = readFileSync(join(dir, 'out-parquet', 'train.jsonl'), 'utf8');
if (parquet.stats.exported !== 2 || !parquetTrain.includes('"instruction":"Wer entscheidet?"')) throw new Error(`unexpected Parquet export ${parquetTrain}`);
console.log(`runExport: ${stats.exported} exported (${JSON.stringify(stats.exportedBySplit)}), ${stats.rejected} rejected; Parquet: ${parquet.stats.exported} exported`);
