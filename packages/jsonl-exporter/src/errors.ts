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

  constructor(code: ExportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
