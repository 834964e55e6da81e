import type { ExportConfig } from './export-config.js';
import type { ExportStats, RejectEntry } from './export-stats.js';
import { preparePipeline, drivePipeline } from './internal/run-pipeline.js';
import { notObjectItem } from './sources/base-source.js';
import type { Source, SourceItem } from './sources/index.js';

/** One event of {@link exportRecords}. */
export type ExportEvent =
  | { kind: 'line'; split: string; line: string }
  | { kind: 'reject'; reject: RejectEntry }
  | { kind: 'stats'; stats: ExportStats };

/** Options of {@link exportRecords}. */
export interface ExportRecordsOptions {
  /** Directory a `structured_gen.json_schema` file path is resolved against. @default process.cwd() */
  cwd?: string;
  /** Stops the export with `EXPORT_ABORTED`. */
  signal?: AbortSignal;
  /** Environment for the PII hash key. @default process.env */
  env?: NodeJS.ProcessEnv;
}

function isSource(value: AsyncIterable<SourceItem> | Iterable<SourceItem> | Source): value is Source {
  return typeof (value as Source).items === 'function';
}

/**
 * The items as given, each checked to be a SourceItem. Plain records are refused rather than wrapped: a record may
 * have fields named `ref` and `record` itself, and then could not be told from an item.
 */
async function* checkedItems(items: AsyncIterable<SourceItem> | Iterable<SourceItem>): AsyncGenerator<SourceItem> {
  let index = 0;
  for await (const item of items) {
    const candidate = item as Partial<SourceItem> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.ref !== 'string' ||
      (candidate.record === undefined && candidate.issue === undefined)
    ) {
      const got = typeof item === 'object' && item !== null ? `an object with keys ${Object.keys(item).join(', ') || '(none)'}` : String(item);
      throw new TypeError(
        `exportRecords: item ${index} is not a SourceItem ({ ref, record } or { ref, issue }), got ${got}. ` +
          'To export plain records, pass sourceFromIterable(records), which names them records:1, records:2, ...',
      );
    }
    index++;
    // A record that is no object (null, an array, text) is the item's problem, not the program's: a source reject.
    const record = (item as SourceItem).record;
    if (record !== undefined && (record === null || typeof record !== 'object' || Array.isArray(record))) {
      yield notObjectItem(item.ref, record, item.line);
      continue;
    }
    yield item;
  }
}

/**
 * The streaming core of the export: stages select → map → weight → filter → PII → validate → dedup → split, as
 * events, in source order (no shuffling, no files). Ends with one `stats` event. The server streams this;
 * {@link runExport} writes it to files. `items` is a {@link Source} or an iterable of {@link SourceItem}s
 * (`{ ref, record }`); wrap plain records with `sourceFromIterable(records)`.
 *
 * @throws ExportError `EXPORT_MAX_ERRORS`, `EXPORT_RECORD_FAILED`, `EXPORT_ABORTED`, `EXPORT_SCHEMA_INVALID`, ...
 * @throws TypeError when an item of `items` is not a SourceItem (e.g. a plain record), naming its index.
 * @example
 * ```ts
 * for await (const event of exportRecords(sourceFromIterable(records), config)) {
 *   if (event.kind === 'line') res.write(`${event.line}\n`);
 * }
 * ```
 */
export async function* exportRecords(
  items: AsyncIterable<SourceItem> | Iterable<SourceItem> | Source,
  config: ExportConfig,
  options: ExportRecordsOptions = {},
): AsyncIterable<ExportEvent> {
  const startedAt = Date.now();
  const pipeline = await preparePipeline(config, { ...options, startedAt });
  const source = isSource(items) ? items : undefined;
  const iterable = source ? source.items(options.signal ? { signal: options.signal } : {}) : checkedItems(items as AsyncIterable<SourceItem> | Iterable<SourceItem>);
  for await (const outcome of drivePipeline(pipeline, iterable, options.signal)) {
    if (outcome.kind === 'line') yield { kind: 'line', split: outcome.split, line: outcome.line };
    else yield outcome;
  }
  const stats = pipeline.stats;
  if (source) stats.blankLines = source.stats().blankLines;
  stats.durationMs = Date.now() - startedAt;
  stats.recordsPerSecond = stats.durationMs > 0 ? Math.round((stats.read * 1000) / stats.durationMs) : stats.read;
  yield { kind: 'stats', stats };
}
