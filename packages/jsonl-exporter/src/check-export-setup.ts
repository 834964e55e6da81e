import type { ExportConfig } from './export-config.js';
import { checkAdapterMetadataConfig } from './internal/artifacts.js';
import { Pipeline } from './internal/pipeline.js';
import { checkSchemaGiven } from './internal/run-pipeline.js';

/**
 * Refuses, before any record is read, what starting the export refuses from the config alone: style `custom`
 * without `format.custom` or with a `format.response_key` not among its keys (`EXPORT_MAPPING_INVALID`), PII
 * hashing without a key of at least 16 characters in `pii.hash_key` or `env`, adapter metadata that is no semantic
 * version or language code (`EXPORT_CONFIG_INVALID`), `structured_gen.enabled` without a `json_schema`
 * (`EXPORT_SCHEMA_INVALID`; a schema itself is read and compiled only when the export starts).
 * `runExport` and `exportRecords` refuse the same when they start; a server calls this before it answers
 * 200 to a stream or queues a job, with the environment the export will get.
 *
 * @throws ExportError `EXPORT_MAPPING_INVALID`, `EXPORT_CONFIG_INVALID`, `EXPORT_SCHEMA_INVALID`
 */
export function checkExportSetup(config: ExportConfig, env: NodeJS.ProcessEnv = process.env): void {
  checkAdapterMetadataConfig(config);
  checkSchemaGiven(config);
  // Building the pipeline makes exactly the checks the export makes when it starts.
  void new Pipeline(config, { env, startedAt: Date.now() });
}
