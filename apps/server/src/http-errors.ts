import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

// The one table from error codes (the server's and the packages') to HTTP statuses. Codes not listed fall back on
// their suffix: *_INVALID is the caller's mistake (400), *_NOT_FOUND 404, anything else 500.
const STATUS: Readonly<Record<string, number>> = {
  SERVER_UNAUTHORIZED: 401,
  SERVER_FORBIDDEN: 403,
  SERVER_NOT_FOUND: 404,
  SERVER_CONFLICT: 409,
  SERVER_JOB_STATE: 409,
  SERVER_METADATA_INCOMPLETE: 422,
  SERVER_BAD_REQUEST: 400,
  SERVER_PAYLOAD_TOO_LARGE: 413,
  SERVER_UNSUPPORTED_MEDIA_TYPE: 415,
  SERVER_RATE_LIMITED: 429,
  SERVER_STORE_FAILED: 503,
  SERVER_UPSTREAM_NOT_CONFIGURED: 503,
  SERVER_ROUTER_NOT_CONFIGURED: 503,
  SERVER_UPSTREAM_UNAVAILABLE: 502,
  // Schemas only ever come from request bodies: a bad one is the caller's to fix, whatever its suffix says.
  SCHEMA_REF_NOT_FOUND: 400,
  SCHEMA_UNSAFE_PATTERN: 400,
  SCHEMA_UNSUPPORTED_DRAFT: 400,
  EXPORT_MAX_ERRORS: 422,
  EXPORT_RECORD_FAILED: 422,
  EXPORT_SOURCE_NOT_FOUND: 404,
  EXPORT_OUTPUT_LOCKED: 409,
  EXPORT_ABORTED: 499,
  METADATA_LINEAGE_CYCLE: 422,
  METADATA_PARENT_NOT_FOUND: 422,
  VLLM_RANK_TOO_HIGH: 422,
  VLLM_VERSION_UNSUPPORTED: 400,
  VLLM_MODEL_SHAPE_UNKNOWN: 422,
  VLLM_ADAPTER_UNREADABLE: 422,
  VLLM_MODEL_NOT_FOUND: 404,
  VLLM_CONNECTION_FAILED: 502,
  VLLM_UPSTREAM_ERROR: 502,
};

/** The HTTP status for an error code of any lorakit package. */
export function statusForCode(code: string): number {
  const known = STATUS[code];
  if (known !== undefined) return known;
  if (code.endsWith('_INVALID')) return 400;
  if (code.endsWith('_NOT_FOUND')) return 404;
  return 500;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** Turn any thrown value into a status and an {@link ErrorBody}. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: `${error.validationContext ?? 'body'}${v.instancePath}`,
      message: v.message ?? 'invalid',
    }));
    const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return { status: 400, body: { error: { code: 'SERVER_BAD_REQUEST', message, issues } } };
  }
  const e = error as Partial<FastifyError> & { issues?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'SERVER_INTERNAL';
  let status: number;
  if (code.startsWith('FST_') || code === 'SERVER_INTERNAL') status = e.statusCode ?? 500;
  else status = statusForCode(code);
  const mapped = code.startsWith('FST_') ? fastifyCode(status) : code;
  const body: ErrorBody = { error: { code: mapped, message: status >= 500 && !e.code ? 'internal error' : String(e.message) } };
  if (Array.isArray(e.issues)) body.error.issues = e.issues as { path: string; message: string }[];
  return { status, body };
}

function fastifyCode(status: number): string {
  if (status === 413) return 'SERVER_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'SERVER_UNSUPPORTED_MEDIA_TYPE';
  if (status === 404) return 'SERVER_NOT_FOUND';
  // @fastify/static answers a path out of its root with 403.
  if (status === 403) return 'SERVER_FORBIDDEN';
  if (status === 401) return 'SERVER_UNAUTHORIZED';
  if (status === 429) return 'SERVER_RATE_LIMITED';
  if (status >= 400 && status < 500) return 'SERVER_BAD_REQUEST';
  return 'SERVER_INTERNAL';
}

/** Fastify error handler: logs 5xx, answers every error with an {@link ErrorBody}. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  // The unread rest of a body (oversized, or a stream refused after its first line) would otherwise keep the
  // keep-alive connection busy: close it once the answer is out.
  if (status === 413 || request.raw.complete === false) void reply.header('connection', 'close');
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="lorakit"');
  void reply.status(status).send(body);
}
