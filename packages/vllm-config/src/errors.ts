import type { Issue } from '@lorakit/adapter-metadata';

/** Codes of {@link VllmConfigError}. Apps map these to exit codes and HTTP statuses; branch on `code`. */
export type VllmConfigErrorCode =
  /** The serve config failed validation; `issues` lists every problem. */
  | 'VLLM_CONFIG_INVALID'
  /** The requested vLLM version is not a version string or older than the oldest one this package knows. */
  | 'VLLM_VERSION_UNSUPPORTED'
  /** An adapter's rank is above the largest `--max-lora-rank` vLLM accepts (512). */
  | 'VLLM_RANK_TOO_HIGH'
  /** The adapter directory or its files could not be read. */
  | 'VLLM_ADAPTER_UNREADABLE'
  /** A `.safetensors` file has a malformed header. */
  | 'VLLM_SAFETENSORS_INVALID'
  /** The model shape is unknown or incomplete, so memory cannot be planned. */
  | 'VLLM_MODEL_SHAPE_UNKNOWN'
  /** The server answered 404 for a model or adapter name. */
  | 'VLLM_MODEL_NOT_FOUND'
  /** `load_lora_adapter` was called for a name the server already serves. */
  | 'VLLM_ADAPTER_ALREADY_LOADED'
  /** The runtime LoRA endpoints are absent: the server runs without `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`. */
  | 'VLLM_RUNTIME_UPDATES_DISABLED'
  /** The server rejected the request (400/422), or the caller passed a field vLLM would silently ignore. */
  | 'VLLM_BAD_REQUEST'
  /** The server rejected the API key (401/403). */
  | 'VLLM_UNAUTHORIZED'
  /** The server answered 5xx or something that is not vLLM's documented shape. */
  | 'VLLM_UPSTREAM_ERROR'
  /** No HTTP answer: connection refused, DNS failure or timeout. */
  | 'VLLM_CONNECTION_FAILED';

/** Thrown for unexpected or I/O failures of @lorakit/vllm-config. Branch on `code`, not `instanceof`. */
export class VllmConfigError extends Error {
  override readonly name = 'VllmConfigError';
  readonly code: VllmConfigErrorCode;
  /** HTTP status of the vLLM answer, for client errors. */
  readonly status: number | undefined;
  /** Validation issues, for `VLLM_CONFIG_INVALID`. */
  readonly issues: readonly Issue[];

  constructor(
    code: VllmConfigErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; issues?: readonly Issue[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status;
    this.issues = options?.issues ?? [];
  }
}
