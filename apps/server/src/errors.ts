/** Codes of {@link ServerError}: failures the server itself detects. The HTTP status of each is in `http-errors.ts`. */
export type ServerErrorCode =
  /** Command-line arguments are wrong (unknown flag, bad port). */
  | 'SERVER_USAGE'
  /** The config file could not be read or parsed as YAML. */
  | 'SERVER_CONFIG_UNREADABLE'
  /** The config file or environment failed validation; the message names each bad key. */
  | 'SERVER_CONFIG_INVALID'
  /** Refused to listen on a non-loopback address without any token configured. */
  | 'SERVER_INSECURE_BIND'
  /** The store (SQLite or PostgreSQL) failed: connection, migration or query. */
  | 'SERVER_STORE_FAILED'
  /** No Authorization header, or the token is unknown. */
  | 'SERVER_UNAUTHORIZED'
  /** The token lacks the scope the route needs. */
  | 'SERVER_FORBIDDEN'
  /** The addressed adapter, job, file or source does not exist. */
  | 'SERVER_NOT_FOUND'
  /** The adapter id + version is already registered (registered versions are immutable). */
  | 'SERVER_CONFLICT'
  /** The request body is malformed or refers to something the server refuses (e.g. an unsafe file name). */
  | 'SERVER_BAD_REQUEST'
  /** The body or record count is over the configured limit. */
  | 'SERVER_PAYLOAD_TOO_LARGE'
  /** The registered metadata lacks what the request needs (e.g. LoRA hyper-parameters for a PEFT config). */
  | 'SERVER_METADATA_INCOMPLETE'
  /** The job is in a state that does not allow the request (e.g. downloading from an unfinished job). */
  | 'SERVER_JOB_STATE'
  /** No vLLM upstream is configured for the proxy. */
  | 'SERVER_UPSTREAM_NOT_CONFIGURED'
  /** Adapter routing needs `router.base_model`, the served base model, and it is not set. */
  | 'SERVER_ROUTER_NOT_CONFIGURED'
  /** The body's media type is not one the route takes (e.g. NDJSON to a JSON route). */
  | 'SERVER_UNSUPPORTED_MEDIA_TYPE'
  /** Too many requests for this token (or IP) in the rate-limit window. */
  | 'SERVER_RATE_LIMITED'
  /** The vLLM upstream could not be reached. */
  | 'SERVER_UPSTREAM_UNAVAILABLE'
  /** A native or optional dependency is not installed. */
  | 'SERVER_DEPENDENCY_MISSING';

/** Thrown for server-side failures. Branch on `code`, not `instanceof` (duplicated installs break `instanceof`). */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  /** What went wrong, as a stable literal. */
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
