export { compileSchema, type CompileSchemaOptions, type Draft, type Engine, type Validator } from './compile-schema.js';
export { countCodePoints } from './count-code-points.js';
export { SchemaValidationError, type SchemaValidationErrorCode } from './errors.js';
export type { Issue, IssueCode, JsonlIssueCode, Result, ValidationIssueCode } from './issue.js';
export {
  DEFAULT_MAX_LINE_LENGTH,
  readJsonl,
  type JsonlReader,
  type JsonlRecord,
  type JsonlSource,
  type JsonlSummary,
  type ReadJsonlOptions,
} from './read-jsonl.js';
export { findUnsafeNumbers, mayHoldUnsafeNumber, type UnsafeNumber } from './find-unsafe-numbers.js';
export { validateJsonl } from './validate-jsonl.js';
export {
  createSchemaInferrer,
  inferSchema,
  type InferSchemaOptions,
  type JsonSchemaObject,
  type SchemaInferrer,
} from './infer-schema.js';
export { toTypeScript, type ToTypeScriptOptions } from './to-typescript.js';
export {
  checkConstrainedDecoding,
  type ConstrainedDecodingBackend,
  type ConstrainedDecodingFinding,
  type ConstrainedDecodingReport,
} from './check-constrained-decoding.js';
