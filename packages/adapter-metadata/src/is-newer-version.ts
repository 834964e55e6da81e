import semver from 'semver';

/**
 * Whether adapter version `a` is newer than `b` as "latest" reads versions (npm's `latest`): a release before any
 * pre-release, then semver order; a version that does not parse (or is missing) is the oldest. The registry, the
 * vLLM router and lineage without a version all pick the newest this way.
 *
 * @example
 * isNewerVersion('1.0.10', '1.0.9'); // true
 * isNewerVersion('2.0.0-rc.1', '1.4.0'); // false: a release wins over a pre-release
 */
export function isNewerVersion(a: string | undefined, b: string | undefined): boolean {
  const va = a === undefined ? null : semver.valid(a);
  const vb = b === undefined ? null : semver.valid(b);
  if (va === null) return false;
  if (vb === null) return true;
  const releaseA = semver.prerelease(va) === null;
  const releaseB = semver.prerelease(vb) === null;
  return releaseA === releaseB ? semver.gt(va, vb) : releaseA;
}
