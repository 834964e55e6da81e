import { readFile } from 'node:fs/promises';
import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { formatIssues } from './internal/format-issues.js';
import type { Issue } from './internal/issue.js';
import { isPlainObject } from './internal/json.js';
import { jsonErrorLine, withLines } from './internal/json-lines.js';
import { safeParseAdapterMetadata } from './safe-parse-adapter-metadata.js';

/** What {@link readAdapterMetadata} returns. */
export interface ReadAdapterMetadataResult {
  /** The validated metadata, defaults applied, unknown keys kept. */
  metadata: AdapterMetadata;
  /** Unknown keys and values normalised from the original format, each with its line. */
  warnings: Issue[];
}

/**
 * Reads and validates an `adapter_metadata.json`. Tolerant: unknown keys are kept with a warning, and files in the
 * original system's shape are normalised. Throws `METADATA_READ_FAILED`, `METADATA_JSON_PARSE` or
 * `METADATA_INVALID` (issues carry file lines).
 *
 * @example
 * ```ts
 * const { metadata, warnings } = await readAdapterMetadata('out/adapter_metadata.json');
 * for (const w of warnings) console.warn(`line ${w.line}: ${w.path}: ${w.message}`);
 * ```
 */
export async function readAdapterMetadata(path: string): Promise<ReadAdapterMetadataResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AdapterMetadataError('METADATA_READ_FAILED', `cannot read ${path}: ${(cause as Error).message}`, {
      cause,
      file: path,
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const line = jsonErrorLine(text, cause as Error);
    const issue: Issue = { code: 'parse', path: '', message: (cause as Error).message, ...(line === undefined ? {} : { line }) };
    throw new AdapterMetadataError('METADATA_JSON_PARSE', `${path}${line === undefined ? '' : `:${line}`}: not valid JSON: ${issue.message}`, {
      cause,
      file: path,
      issues: [issue],
    });
  }
  if (isPlainObject(json) && 'peft_type' in json && !('adapter_id' in json)) {
    throw new AdapterMetadataError('METADATA_INVALID',
      `${path}: this is a PEFT adapter_config.json, not adapter metadata; convert it with fromPeftConfig()`, { file: path });
  }
  const result = safeParseAdapterMetadata(json);
  if (!result.success) {
    const issues = withLines(text, result.issues);
    throw new AdapterMetadataError('METADATA_INVALID', `invalid adapter metadata:\n${formatIssues(issues, path)}`, {
      file: path,
      issues,
    });
  }
  return { metadata: result.data, warnings: withLines(text, result.warnings) };
}
