import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import semver from 'semver';
import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { isPlainObject } from './internal/json.js';
import { readAdapterMetadata } from './read-adapter-metadata.js';
import type { AdapterLookup } from './resolve-lineage.js';
import { ADAPTER_METADATA_FILE } from './write-adapter-metadata.js';

// Deep enough for <id>/<version>/adapter_metadata.json registries and an export's part-N folders; bounded so a
// --dir pointing at a home folder does not walk the whole disk.
const MAX_DEPTH = 8;

function skipped(folder: string): boolean {
  // Other tools' trees (.git, .venv, node_modules): large, and never an adapter registry.
  return folder === 'node_modules' || folder.startsWith('.');
}

async function list(dir: string) {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.sort((a, b) => a.name.localeCompare(b.name));
  } catch (cause) {
    throw new AdapterMetadataError('METADATA_READ_FAILED', `cannot list ${dir}: ${(cause as Error).message}`, { cause, file: dir });
  }
}

/** The `*.json` files directly in `dir` (but `adapter_config.json`) and every `adapter_metadata.json` below it. */
async function candidateFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string, depth: number): Promise<void> => {
    for (const entry of await list(folder)) {
      const path = join(folder, entry.name);
      if (entry.isFile()) {
        const top = depth === 0 && entry.name.endsWith('.json') && entry.name !== 'adapter_config.json';
        if (top || entry.name === ADAPTER_METADATA_FILE) files.push(path);
      } else if (entry.isDirectory() && depth < MAX_DEPTH && !skipped(entry.name)) {
        await walk(path, depth + 1);
      }
    }
  };
  await walk(dir, 0);
  return files;
}

/**
 * Whether a candidate is read as metadata: an `adapter_metadata.json` always (its name says so), another file when
 * it is an object with `adapter_id` or is not JSON at all. A broken file may be the parent with a typo, so
 * {@link readAdapterMetadata} reports it (file, line, position) rather than the parent going missing.
 */
async function isMetadataFile(path: string): Promise<boolean> {
  if (basename(path) === ADAPTER_METADATA_FILE) return true;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return true; // readAdapterMetadata reports why it cannot be read.
  }
  try {
    const json: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return isPlainObject(json) && 'adapter_id' in json;
  } catch {
    return true;
  }
}

/**
 * An {@link AdapterLookup} over a folder: every `*.json` metadata file directly in it (other JSON, such as
 * `adapter_config.json`, is ignored) and every `adapter_metadata.json` in its subfolders, down to 8 levels; hidden
 * folders (`.git`), `node_modules` and symbolic links are not followed. Files are read once, on the first call
 * (a UTF-8 BOM is allowed). Without a version the highest semver wins. A metadata file that is invalid throws
 * `METADATA_INVALID`, one that is not JSON (any `*.json` directly in the folder that does not parse)
 * `METADATA_JSON_PARSE` naming the file and line, rather than being skipped, so a typo never silently hides a
 * parent. A folder that cannot be listed throws `METADATA_READ_FAILED`.
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
