/** The exit codes of `lorakit`, documented in the README. */
export const ExitCode = {
  /** Everything passed. */
  ok: 0,
  /** The data failed: invalid records, failed gates, an unservable adapter. */
  dataFailed: 1,
  /** Usage or I/O error: bad flags, missing or unreadable file, invalid schema or config. */
  usage: 2,
  /** Interrupted (Ctrl-C); no partial output is left behind. */
  interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

// Thrown codes that mean "the data failed", not "you called it wrong". Everything else that is thrown is a usage
// or I/O error. Codes come from every package's error class; matching strings (not classes) keeps this working when
// a package is installed twice.
const DATA_FAILED = new Set<string>([
  'EXPORT_MAX_ERRORS', // more records failed than max_errors allows
  'EXPORT_RECORD_FAILED', // a record failed with continue_on_error: false
  'EXPORT_NOTHING_EXPORTED', // every record rejected, and an earlier export kept in place
  'VLLM_RANK_TOO_HIGH', // an adapter vLLM cannot serve at any --max-lora-rank
  'VLLM_SAFETENSORS_INVALID', // an adapter whose weights file vLLM cannot load
]);
const INTERRUPTED = new Set<string>(['CLI_INTERRUPTED', 'EXPORT_ABORTED', 'ABORT_ERR']);

/** The `code` property of a thrown value, when it has a string one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * The exit code for a thrown error, decided by its `code` alone: interruptions give 130, data failures 1,
 * everything else (usage, I/O, invalid schema or config, unexpected errors) 2.
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  const code = errorCode(error);
  if (code === undefined) {
    return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError'
      ? ExitCode.interrupted
      : ExitCode.usage;
  }
  if (INTERRUPTED.has(code)) return ExitCode.interrupted;
  if (DATA_FAILED.has(code)) return ExitCode.dataFailed;
  return ExitCode.usage;
}
