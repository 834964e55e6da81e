import { AdapterMetadataSchema, type AdapterMetadata } from './adapter-metadata-schema.js';
import type { Issue } from './internal/issue.js';
import { normalizeLegacy } from './internal/normalize-legacy.js';
import { unknownKeyWarnings } from './internal/unknown-keys.js';
import { fromZodIssues } from './internal/zod-issues.js';

/** Result of {@link safeParseAdapterMetadata}. */
export type SafeParseAdapterMetadataResult =
  | { success: true; data: AdapterMetadata; warnings: Issue[] }
  | { success: false; issues: Issue[] };

/**
 * Validates adapter metadata without throwing. Files in the original system's shape (numbers as "4.500000"
 * strings) are normalised, and unknown keys are kept, each with a warning. The input is never modified.
 *
 * @example
 * ```ts
 * const result = safeParseAdapterMetadata(JSON.parse(text));
 * if (!result.success) for (const issue of result.issues) console.error(issue.path, issue.message);
 * ```
 */
export function safeParseAdapterMetadata(json: unknown): SafeParseAdapterMetadataResult {
  const { value, warnings } = normalizeLegacy(json);
  const parsed = AdapterMetadataSchema.safeParse(value);
  if (!parsed.success) return { success: false, issues: fromZodIssues(parsed.error.issues, value) };
  return { success: true, data: parsed.data, warnings: [...warnings, ...unknownKeyWarnings(AdapterMetadataSchema, value)] };
}
