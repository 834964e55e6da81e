/** Every code a {@link QualityMetricsError} can carry. Apps branch on these, never on `instanceof`. */
export type QualityMetricsErrorCode =
  | 'METRICS_INVALID_OPTIONS'
  | 'METRICS_UNRECOGNISED_SAMPLE'
  | 'METRICS_INVALID_STATE'
  | 'METRICS_INCOMPATIBLE_MERGE'
  | 'METRICS_INVALID_GATE'
  | 'METRICS_UNKNOWN_GATE_METRIC'
  | 'METRICS_TOKENIZER_NOT_FOUND'
  | 'METRICS_TOKENIZER_INVALID'
  | 'METRICS_DEPENDENCY_MISSING'
  | 'METRICS_WRITE_FAILED';

/** The one error class of `@lorakit/quality-metrics`: unexpected or I/O failures, with a literal `code`. */
export class QualityMetricsError extends Error {
  override readonly name = 'QualityMetricsError';
  readonly code: QualityMetricsErrorCode;

  constructor(code: QualityMetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
