// The workspace-wide issue shape, owned by @lorakit/schema-validation (docs/architecture.md). Imported as a type
// only, so nothing of that package is loaded at run time.
export type { Issue } from '@lorakit/schema-validation';
