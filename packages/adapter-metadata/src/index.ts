export {
  AdapterMetadataSchema, BaseModelSchema, DatasetFileSchema, EvaluationMetricSchema, ProvenanceSchema, TaskSchema,
  TrainingSchema, type AdapterMetadata, type AdapterMetadataInput,
} from './adapter-metadata-schema.js';
export { createDirectoryLookup } from './create-directory-lookup.js';
export { describeDataset, type DatasetFile, type DatasetInput } from './describe-dataset.js';
export { diffMetadata, type MetadataChange, type MetadataDiff } from './diff-metadata.js';
export { AdapterMetadataError, type AdapterMetadataErrorCode, type AdapterMetadataErrorOptions } from './errors.js';
export { fromPeftConfig, type FromPeftConfigResult, type PeftMetadata } from './from-peft-config.js';
export { hashFile } from './hash-file.js';
export type { Issue } from './internal/issue.js';
export type { JsonValue } from './internal/json.js';
export { missingLoraHyperparameters } from './missing-lora-hyperparameters.js';
export { nextVersion, type VersionBump, type VersionChange } from './next-version.js';
export { isNewerVersion } from './is-newer-version.js';
export { parseAdapterMetadata } from './parse-adapter-metadata.js';
export { parsePeftConfig, type ParsePeftConfigOptions, type ParsePeftConfigResult } from './parse-peft-config.js';
export { PeftLoraConfigSchema, type PeftLoraConfig } from './peft-lora-config.js';
export { readAdapterMetadata, type ReadAdapterMetadataResult } from './read-adapter-metadata.js';
export { resolveLineage, type AdapterLookup, type ResolveLineageOptions } from './resolve-lineage.js';
export { safeParseAdapterMetadata, type SafeParseAdapterMetadataResult } from './safe-parse-adapter-metadata.js';
export { toModelCard, type ModelCard, type ToModelCardOptions } from './to-model-card.js';
export { toPeftConfig, type ToPeftConfigOptions } from './to-peft-config.js';
export { ADAPTER_METADATA_FILE, writeAdapterMetadata } from './write-adapter-metadata.js';
