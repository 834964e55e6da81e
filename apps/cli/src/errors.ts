/** Codes of {@link CliError}: failures the CLI itself detects (arguments, files, gates). */
export type CliErrorCode =
  | 'CLI_USAGE'
  | 'CLI_FILE_NOT_FOUND'
  | 'CLI_FILE_UNREADABLE'
  | 'CLI_FILE_EXISTS'
  | 'CLI_JSON_INVALID'
  | 'CLI_CONFIG_INVALID'
  | 'CLI_DEPENDENCY_MISSING'
  | 'CLI_INTERRUPTED';

/**
 * Thrown by command handlers for usage and I/O failures. The CLI maps `code` to an exit code in one place
 * ({@link exitCodeFor}); branch on `code`, not `instanceof`.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** What went wrong, as a stable literal. */
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
