// The Issue shape is owned by @lorakit/schema-validation (docs/architecture.md).
export type { Issue } from '@lorakit/schema-validation';
