import { checkExportSetup, type ExportConfig } from '@lorakit/jsonl-exporter';
import { compileSchema } from '@lorakit/schema-validation';
import type { ServerConfig } from '../config.js';
import { ServerError } from '../errors.js';

function refuse(path: string, cause: unknown): never {
  throw new ServerError('SERVER_BAD_REQUEST', `${path}: ${(cause as Error).message}`, { cause });
}

/**
 * Check, before a job is queued or a stream answers 200, what the exporter would only refuse once it runs: an inline
 * `structured_gen.json_schema`, the worker threads a job may start
 * (`limits.export_worker_threads`, for each of the two settings; not checked without limits), and what starting the
 * pipeline refuses (checkExportSetup: a custom style without its keys, PII hashing without a key in `env`, the
 * environment the export will get). A bad filter expression or quality gate is already a config error of
 * parseExportConfig (`EXPORT_CONFIG_INVALID`).
 *
 * @throws ServerError `SERVER_BAD_REQUEST` naming the key path (`config.structured_gen.json_schema: …`).
 * @throws ExportError `EXPORT_CONFIG_INVALID`, `EXPORT_MAPPING_INVALID` (400).
 */
export async function checkExportConfig(config: ExportConfig, limits: ServerConfig['limits'] | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  checkExportSetup(config, env);
  // The stream route passes no limits: it exports through exportRecords, which starts no worker threads.
  const cap = limits?.export_worker_threads ?? Infinity;
  for (const [path, value] of [
    ['config.worker_threads', config.worker_threads],
    ['config.quality_metrics.worker_threads', config.quality_metrics.worker_threads],
  ] as const) {
    if (value !== undefined && value > cap) {
      throw new ServerError('SERVER_BAD_REQUEST', `${path}: ${value} is above this server's limit of ${cap} (limits.export_worker_threads)`);
    }
  }
  const schema = config.structured_gen.json_schema;
  if (config.structured_gen.enabled && typeof schema === 'object') {
    try {
      await compileSchema(schema, { formats: 'assert' });
    } catch (cause) {
      refuse('config.structured_gen.json_schema', cause);
    }
  }
}
