import type { Issue } from './internal/issue.js';

/** Every code an {@link AdapterMetadataError} can carry. Apps branch on these, never on `instanceof`. */
export type AdapterMetadataErrorCode =
  | 'METADATA_INVALID'
  | 'METADATA_JSON_PARSE'
  | 'METADATA_READ_FAILED'
  | 'METADATA_WRITE_FAILED'
  | 'METADATA_WOULD_OVERWRITE_PEFT_CONFIG'
  | 'METADATA_PEFT_CONFIG_INVALID'
  | 'METADATA_PEFT_VERSION_UNSUPPORTED'
  | 'METADATA_LINEAGE_CYCLE'
  | 'METADATA_ADAPTER_NOT_FOUND'
  | 'METADATA_PARENT_NOT_FOUND'
  | 'METADATA_VERSION_INVALID';

/** Options of {@link AdapterMetadataError}. */
export interface AdapterMetadataErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** The file the error is about. */
  file?: string;
  /** Validation issues behind the error, when there are any. */
  issues?: readonly Issue[];
}

/** The one error class of @lorakit/adapter-metadata: unexpected or I/O failures, with a `code` to branch on. */
export class AdapterMetadataError extends Error {
  override readonly name = 'AdapterMetadataError';
  /** What went wrong; stable across releases. */
  readonly code: AdapterMetadataErrorCode;
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;
  /** Every validation issue behind the error (empty for I/O errors), with lines when read from a file. */
  readonly issues: readonly Issue[];

  constructor(code: AdapterMetadataErrorCode, message: string, options: AdapterMetadataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.issues = options.issues ?? [];
  }
}
