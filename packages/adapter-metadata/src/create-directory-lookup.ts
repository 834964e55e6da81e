import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { isPlainObject } from './internal/json.js';
import { readAdapterMetadata } from './read-adapter-metadata.js';
import type { AdapterLookup } from './resolve-lineage.js';
import { ADAPTER_METADATA_FILE } from './write-adapter-metadata.js';

async function candidateFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new AdapterMetadataError('METADATA_READ_FAILED', `cannot list ${dir}: ${(cause as Error).message}`, { cause, file: dir });
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isFile() && entry.name.endsWith('.json') && entry.name !== 'adapter_config.json') {
      files.push(join(dir, entry.name));
    } else if (entry.isDirectory()) {
      files.push(join(dir, entry.name, ADAPTER_METADATA_FILE));
    }
  }
  return files;
}

async function isMetadataFile(path: string): Promise<boolean> {
  try {
    const json: unknown = JSON.parse(await readFile(path, 'utf8'));
    return isPlainObject(json) && 'adapter_id' in json;
  } catch {
    // Missing adapter_metadata.json in a subfolder, or some other JSON file: not part of the registry.
    return false;
  }
}

/**
 * An {@link AdapterLookup} over a folder: every `*.json` metadata file in it and every `<sub>/adapter_metadata.json`.
 * Files are read once, on the first call. Without a version the highest semver wins. An invalid metadata file
 * throws `METADATA_INVALID` rather than being skipped, so a typo never silently hides a parent.
 *
 * @example
 * ```ts
 * const lookup = createDirectoryLookup('adapters/');
 * const meta = await lookup('support-bot');
 * ```
 */
export function createDirectoryLookup(dir: string): AdapterLookup {
  let index: Promise<Map<string, AdapterMetadata[]>> | undefined;
  const load = async (): Promise<Map<string, AdapterMetadata[]>> => {
    const byId = new Map<string, AdapterMetadata[]>();
    for (const file of await candidateFiles(dir)) {
      if (!(await isMetadataFile(file))) continue;
      const { metadata } = await readAdapterMetadata(file);
      const versions = byId.get(metadata.adapter_id) ?? [];
      versions.push(metadata);
      byId.set(metadata.adapter_id, versions);
    }
    for (const versions of byId.values()) versions.sort((a, b) => semver.rcompare(a.adapter_version, b.adapter_version));
    return byId;
  };
  return async (adapterId, version) => {
    // A failed load is not cached, so fixing the offending file and asking again works.
    index ??= load().catch((error: unknown) => {
      index = undefined;
      throw error;
    });
    const versions = (await index).get(adapterId);
    if (versions === undefined) return undefined;
    return version === undefined ? versions[0] : versions.find((m) => m.adapter_version === version);
  };
}
