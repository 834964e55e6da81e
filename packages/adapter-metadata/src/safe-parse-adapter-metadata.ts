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
  let normalized: ReturnType<typeof normalizeLegacy>;
  try {
    normalized = normalizeLegacy(json);
  } catch (error) {
    // The copy normalizeLegacy works on: a value nested thousands deep overflows the stack, one holding a function
    // or a symbol cannot be copied. Neither is metadata JSON can hold: an issue, not an exception.
    const deep = error instanceof RangeError;
    const message = deep ? 'the metadata is nested too deeply to read' : `the metadata holds a value JSON cannot hold (${(error as Error).message})`;
    return { success: false, issues: [{ code: deep ? 'too_deep' : 'invalid_type', path: '', message }] };
  }
  const { value, warnings } = normalized;
  const parsed = AdapterMetadataSchema.safeParse(value);
  if (!parsed.success) return { success: false, issues: fromZodIssues(parsed.error.issues, value) };
  return { success: true, data: parsed.data, warnings: [...warnings, ...unknownKeyWarnings(AdapterMetadataSchema, value)] };
}
