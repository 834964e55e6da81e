export { openSource, type OpenSourceOptions } from './open-source.js';
export { SourceConfigSchema, type SourceConfig, type SourceConfigInput } from './source-config.js';
export { sourceFromIterable, type IterableSourceOptions } from './source-from-iterable.js';
export type { Source, SourceItem, SourceItemsOptions, SourceStats } from './source.js';
