import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { AdapterMetadata, AdapterMetadataInput } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { atomicWrite } from './internal/atomic-write.js';
import { formatIssues } from './internal/format-issues.js';
import { isPlainObject } from './internal/json.js';
import { safeParseAdapterMetadata } from './safe-parse-adapter-metadata.js';

/** The file name lorakit writes metadata to, beside the PEFT files. */
export const ADAPTER_METADATA_FILE = 'adapter_metadata.json';

async function existingPeftConfig(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return false;
  }
  try {
    const json: unknown = JSON.parse(text);
    return isPlainObject(json) && 'peft_type' in json;
  } catch {
    return false;
  }
}

/**
 * Validates `meta` and writes it atomically as 2-space JSON with keys in schema order. Refuses
 * (`METADATA_WOULD_OVERWRITE_PEFT_CONFIG`) a path named `adapter_config.json` or holding a PEFT config: vLLM
 * fails with "Missing required configuration fields" when metadata replaces the PEFT file.
 *
 * @returns the metadata as written, defaults applied
 * @example
 * ```ts
 * await writeAdapterMetadata(join(adapterDir, ADAPTER_METADATA_FILE), meta);
 * ```
 */
export async function writeAdapterMetadata(path: string, meta: AdapterMetadataInput): Promise<AdapterMetadata> {
  if (basename(path) === 'adapter_config.json' || await existingPeftConfig(path)) {
    throw new AdapterMetadataError('METADATA_WOULD_OVERWRITE_PEFT_CONFIG',
      `refusing to write adapter metadata to ${path}: that is the PEFT adapter_config.json vLLM and PEFT load; write ${ADAPTER_METADATA_FILE} beside it instead`,
      { file: path });
  }
  const parsed = safeParseAdapterMetadata(meta);
  if (!parsed.success) {
    throw new AdapterMetadataError('METADATA_INVALID',
      `refusing to write invalid adapter metadata to ${path}:\n${formatIssues(parsed.issues)}`, { file: path, issues: parsed.issues });
  }
  const data = parsed.data;
  try {
    await atomicWrite(path, `${JSON.stringify(data, null, 2)}\n`);
  } catch (cause) {
    throw new AdapterMetadataError('METADATA_WRITE_FAILED', `cannot write ${path}: ${(cause as Error).message}`, {
      cause,
      file: path,
    });
  }
  return data;
}
