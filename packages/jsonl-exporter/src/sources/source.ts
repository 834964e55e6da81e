import type { Issue } from '@lorakit/schema-validation';

/** One input record, or one unreadable piece of input, with a stable reference. */
export interface SourceItem {
  /** Stable name of the record: `data.jsonl:17` (file:line), `data.json[3]` (file[index]), `docs:42` (table:key). */
  ref: string;
  /** 1-based physical line of the input, where lines mean something (JSONL, CSV). */
  line?: number;
  /** The record, a plain object, when it could be read. */
  record?: Record<string, unknown>;
  /** Why the input could not be read as a record (`parse`, `not_object`, `invalid_utf8`, `line_too_long`, `unsafe_integer`). */
  issue?: Issue;
}

/** Options of {@link Source.items}. */
export interface SourceItemsOptions {
  /** Stops reading: the iteration throws `ExportError` `EXPORT_ABORTED`. */
  signal?: AbortSignal;
}

/** What a source has read so far (during the last iteration). */
export interface SourceStats {
  /** Blank lines skipped (JSONL, CSV); they are not records and not rejects. */
  blankLines: number;
  /** Bytes read from the input file as stored (before decompression). */
  bytesRead?: number;
  /** The input files, as absolute paths, for provenance. */
  files?: { path: string }[];
}

/** A readable data source: records in input order, each with a stable `ref`. */
export interface Source {
  /** What is read, for logs and reports: `jsonl data.jsonl`, `postgres table docs`; never a password. */
  readonly description: string;
  /**
   * What a user should know of how this source names or orders its records, found when it was opened (a PostgreSQL
   * table without a primary key). runExport adds them to its result's warnings.
   */
  readonly warnings?: readonly string[];
  /**
   * The items in input order. Files and databases can be iterated again (each pass reads from the start);
   * stdin and one-shot iterables only once. Breaking out of the loop releases the pass's resources.
   */
  items(options?: SourceItemsOptions): AsyncIterable<SourceItem>;
  /** Counters of the current or last pass. */
  stats(): SourceStats;
  /** Releases everything the source holds (files, connections). Idempotent; ends a running pass. */
  close(): Promise<void>;
}
