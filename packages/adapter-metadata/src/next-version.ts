import semver from 'semver';
import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';

/** Why a new version is made: a fix (PATCH), new training data (MINOR) or a new base model (MAJOR). */
export type VersionChange = 'fix' | 'data' | 'base_model';

/** The semver bump a change implies; `none` when nothing that matters changed. */
export type VersionBump = 'major' | 'minor' | 'patch' | 'none';

const BUMP: Record<VersionChange, 'major' | 'minor' | 'patch'> = { fix: 'patch', data: 'minor', base_model: 'major' };

/**
 * The adapter's next version: PATCH for fixes, MINOR for new data, MAJOR for a new base model. Throws
 * `METADATA_VERSION_INVALID` when the current version is not semver, or `change` is not one of the changes.
 *
 * @example
 * ```ts
 * nextVersion(meta, 'data'); // '1.0.0' -> '1.1.0'
 * ```
 */
export function nextVersion(meta: Pick<AdapterMetadata, 'adapter_version'>, change: VersionChange): string {
  if (!Object.hasOwn(BUMP, change)) {
    // semver's own words ('major') are a natural guess: without this, the version itself was blamed.
    throw new AdapterMetadataError('METADATA_VERSION_INVALID',
      `change ${JSON.stringify(change)} is not one of ${Object.keys(BUMP).map((c) => `"${c}"`).join(', ')} (a fix, new data, a new base model)`);
  }
  const next = semver.inc(meta.adapter_version, BUMP[change]);
  if (next === null) {
    throw new AdapterMetadataError('METADATA_VERSION_INVALID',
      `adapter_version ${JSON.stringify(meta.adapter_version)} is not a semantic version`);
  }
  return next;
}
