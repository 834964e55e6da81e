/** Every code a {@link SchemaValidationError} can carry. Apps branch on these, never on `instanceof`. */
export type SchemaValidationErrorCode =
  | 'SCHEMA_INVALID'
  | 'SCHEMA_REF_NOT_FOUND'
  | 'SCHEMA_UNSAFE_PATTERN'
  | 'SCHEMA_UNSUPPORTED_DRAFT'
  | 'SCHEMA_INVALID_OPTIONS'
  | 'SCHEMA_DEPENDENCY_MISSING'
  | 'JSONL_SOURCE_UNREADABLE';

/**
 * The one error class of `@lorakit/schema-validation`, thrown for misuse (a bad schema, bad options) and I/O
 * failures. Invalid data is never thrown: it is reported as {@link Issue} values.
 */
export class SchemaValidationError extends Error {
  override readonly name = 'SchemaValidationError';
  readonly code: SchemaValidationErrorCode;

  constructor(code: SchemaValidationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
