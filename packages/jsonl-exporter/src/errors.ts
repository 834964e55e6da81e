/** Codes of {@link ExportError}. Extend the union when a new failure needs its own handling. */
export type ExportErrorCode =
  | 'EXPORT_CONFIG_INVALID'
  | 'EXPORT_SOURCE_NOT_FOUND'
  | 'EXPORT_SOURCE_UNREADABLE'
  | 'EXPORT_SOURCE_QUERY_FAILED'
  | 'EXPORT_DEPENDENCY_MISSING'
  | 'EXPORT_FILTER_INVALID'
  | 'EXPORT_MAPPING_INVALID'
  | 'EXPORT_SCHEMA_INVALID'
  | 'EXPORT_MAX_ERRORS'
  | 'EXPORT_RECORD_FAILED'
  | 'EXPORT_NOTHING_EXPORTED'
  | 'EXPORT_OUTPUT_EXISTS'
  | 'EXPORT_OUTPUT_LOCKED'
  | 'EXPORT_WRITE_FAILED'
  | 'EXPORT_ABORTED'
  | 'EXPORT_MERGE_INVALID'
  | 'EXPORT_METRICS_FAILED'
  | 'EXPORT_WORKER_FAILED';

/** Thrown for unexpected or I/O failures of the export pipeline. Branch on `code`, not `instanceof`. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  readonly code: ExportErrorCode;
  /**
   * The config key the error is about, as a dotted path (`format.response_key`), when it is about one: a setting
   * refused once the export starts (a schema file that cannot be read, a PII key too short), for a caller to point at
   * it (a YAML line, a form field). A config that does not parse has zod's issues as its `cause` instead.
   */
  readonly key?: string;

  constructor(code: ExportErrorCode, message: string, options?: { cause?: unknown; key?: string }) {
    super(message, options);
    this.code = code;
    if (options?.key !== undefined) this.key = options.key;
  }
}
