export { ExportError, type ExportErrorCode } from './errors.js';
export {
  ExportConfigSchema,
  ExportStyleSchema,
  parseExportConfig,
  type ExportConfig,
  type ExportConfigInput,
  type ExportStyle,
  type ParseExportConfigOptions,
} from './export-config.js';
export { EXPORT_STAGES, type ExportStage, type ExportStats, type RejectEntry } from './export-stats.js';
export { checkExportSetup } from './check-export-setup.js';
export { exportRecords, type ExportEvent, type ExportRecordsOptions } from './export-records.js';
export { runExport, type ExportFile, type ExportOptions, type ExportProgress, type ExportResult } from './run-export.js';
export {
  toAxolotlConfig,
  toDatasetCard,
  toDatasetInfo,
  toTrainerConfigs,
  type TrainerConfigInput,
  type TrainerConfigs,
  type TrainerDataFile,
} from './to-trainer-configs.js';
export { MANIFEST_FILE, MANIFEST_FORMAT, type ExportManifest, type ManifestFile } from './export-manifest.js';
export {
  guessExportConfig,
  type GuessedExportConfig,
  type GuessExportConfigOptions,
  type GuessExportConfigResult,
} from './guess-export-config.js';
export {
  openSource,
  sourceFromIterable,
  SourceConfigSchema,
  type IterableSourceOptions,
  type OpenSourceOptions,
  type Source,
  type SourceConfig,
  type SourceConfigInput,
  type SourceItem,
  type SourceItemsOptions,
  type SourceStats,
} from './sources/index.js';
export { compileFilter, getPath, selectFields, type FilterOptions, type RecordFilter } from './select/index.js';
export { mergePartitions, type MergePartitionsResult } from './merge-partitions.js';
