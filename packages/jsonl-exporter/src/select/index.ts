export { compileFilter, type FilterOptions, type RecordFilter } from './compile-filter.js';
export { compareValues, parseIsoInstant } from './compare-values.js';
export { getPath } from './get-path.js';
export { selectFields } from './select-fields.js';
