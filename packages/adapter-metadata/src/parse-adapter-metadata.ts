import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { formatIssues } from './internal/format-issues.js';
import { safeParseAdapterMetadata } from './safe-parse-adapter-metadata.js';

/**
 * Validates adapter metadata and returns it with defaults applied; throws `METADATA_INVALID` listing every issue.
 *
 * @example
 * ```ts
 * const meta = parseAdapterMetadata({ adapter_id: 'support-bot', base_model: { name: 'mistralai/Mistral-7B-v0.1' } });
 * meta.training.lora_rank; // 8
 * ```
 */
export function parseAdapterMetadata(json: unknown): AdapterMetadata {
  const result = safeParseAdapterMetadata(json);
  if (!result.success) {
    throw new AdapterMetadataError('METADATA_INVALID', `invalid adapter metadata:\n${formatIssues(result.issues)}`, {
      issues: result.issues,
    });
  }
  return result.data;
}
