import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compileSchema } from '@lorakit/schema-validation';
import type { ExportConfig } from '../export-config.js';
import { ExportError } from '../errors.js';
import type { SourceItem } from '../sources/index.js';
import { Pipeline, type Outcome, type SampleSink, type SampleValidator } from './pipeline.js';

/** Options of {@link preparePipeline}. */
export interface PrepareOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  startedAt: number;
  sink?: SampleSink | undefined;
  /** See PipelineContext.digests. */
  digests?: boolean | undefined;
  /** See PipelineContext.expectedRecords. */
  expectedRecords?: number | undefined;
}

/** Refuses `structured_gen.enabled` without a `json_schema` (checkExportSetup does so before any work starts). */
export function checkSchemaGiven(config: ExportConfig): void {
  if (config.structured_gen.enabled && config.structured_gen.json_schema === undefined) {
    throw new ExportError('EXPORT_SCHEMA_INVALID', 'structured_gen.enabled is true but structured_gen.json_schema is not set', {
      key: 'structured_gen.enabled',
    });
  }
}

async function loadSchema(config: ExportConfig, cwd: string): Promise<Record<string, unknown> | boolean> {
  checkSchemaGiven(config);
  const ref = config.structured_gen.json_schema as NonNullable<ExportConfig['structured_gen']['json_schema']>;
  if (typeof ref !== 'string') return ref;
  const path = resolve(cwd, ref);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ExportError('EXPORT_SCHEMA_INVALID', `cannot read structured_gen.json_schema ${path}: ${(cause as Error).message}`, {
      cause,
      key: 'structured_gen.json_schema',
    });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ExportError('EXPORT_SCHEMA_INVALID', `${path}: not valid JSON: ${(cause as Error).message}`, { cause, key: 'structured_gen.json_schema' });
  }
}

/** Compile the schema and build the pipeline (everything that may fail before the first record). */
export async function preparePipeline(config: ExportConfig, options: PrepareOptions): Promise<Pipeline> {
  let validator: SampleValidator | undefined;
  if (config.structured_gen.enabled) {
    const schema = await loadSchema(config, options.cwd ?? process.cwd());
    try {
      validator = await compileSchema(schema, { formats: 'assert' });
    } catch (cause) {
      throw new ExportError('EXPORT_SCHEMA_INVALID', `structured_gen.json_schema does not compile: ${(cause as Error).message}`, {
        cause,
        key: 'structured_gen.json_schema',
      });
    }
  }
  return new Pipeline(config, {
    env: options.env ?? process.env,
    startedAt: options.startedAt,
    validator,
    sink: options.sink,
    digests: options.digests,
    expectedRecords: options.expectedRecords,
  });
}

/** The error of an aborted run. */
export function aborted(): ExportError {
  return new ExportError('EXPORT_ABORTED', 'the export was aborted');
}

/** Feed source items through the pipeline, yielding lines and rejects. */
export async function* drivePipeline(
  pipeline: Pipeline,
  items: AsyncIterable<SourceItem>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Exclude<Outcome, undefined>> {
  if (signal?.aborted) throw aborted();
  for await (const item of items) {
    if (signal?.aborted) throw aborted();
    const outcome = pipeline.handle(item);
    if (outcome) yield outcome;
  }
  if (signal?.aborted) throw aborted();
}
