import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { isPlainObject, jsonEqual } from './internal/json.js';
import { toPointer } from './internal/zod-issues.js';
import type { VersionBump } from './next-version.js';

/** One changed field. */
export interface MetadataChange {
  /** JSON pointer of the field, e.g. `/training/lora_rank`. */
  path: string;
  /** Value in the first metadata; `undefined` when added. */
  before: unknown;
  /** Value in the second metadata; `undefined` when removed. */
  after: unknown;
  /** The bump this change alone implies. */
  bump: VersionBump;
}

/** What {@link diffMetadata} returns. */
export interface MetadataDiff {
  changes: MetadataChange[];
  /** The largest bump any change implies. */
  bump: VersionBump;
}

// Fields that change every release and imply no bump of their own.
const BOOKKEEPING = ['/adapter_version', '/created_at', '/exported_at', '/provenance/tool'];
// The weights are trained against these: a different one is a different adapter lineage.
const BASE_MODEL = ['/base_model/name', '/base_model/revision', '/base_model/architecture'];
// What the adapter learnt from.
const DATA = ['/training/dataset_name', '/training/num_samples', '/provenance/datasets', '/provenance/data_source_uri',
  '/provenance/export_config_sha256'];

const RANK: Record<VersionBump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

function within(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(`${p}/`));
}

function bumpFor(path: string): VersionBump {
  if (within(path, BOOKKEEPING)) return 'none';
  if (within(path, BASE_MODEL)) return 'major';
  if (within(path, DATA)) return 'minor';
  return 'patch';
}

function walk(a: unknown, b: unknown, path: PropertyKey[], out: MetadataChange[]): void {
  if (jsonEqual(a, b)) return;
  const pointer = toPointer(path);
  // Arrays are compared whole: a dataset list that changed is one change, not one per shifted index.
  if (isPlainObject(a) && isPlainObject(b) && !within(pointer, BOOKKEEPING)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], [...path, key], out);
    return;
  }
  out.push({ path: pointer, before: a, after: b, bump: bumpFor(pointer) });
}

/**
 * Which fields differ between two versions of an adapter's metadata, and the version bump that implies: MAJOR
 * for a new base model, MINOR for new data, PATCH for anything else (hyper-parameters, docs, evaluation), none
 * for bookkeeping (version, timestamps, tool).
 *
 * @example
 * ```ts
 * const { bump, changes } = diffMetadata(previous, current);
 * if (bump !== 'none') current.adapter_version = nextVersion(previous, bump === 'major' ? 'base_model' : bump === 'minor' ? 'data' : 'fix');
 * ```
 */
export function diffMetadata(a: AdapterMetadata, b: AdapterMetadata): MetadataDiff {
  const changes: MetadataChange[] = [];
  walk(a, b, [], changes);
  const bump = changes.reduce<VersionBump>((max, c) => (RANK[c.bump] > RANK[max] ? c.bump : max), 'none');
  return { changes, bump };
}
