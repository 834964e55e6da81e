import semver from 'semver';

// Numbers are length-prefixed so that byte order is numeric order ("0002" + "10" after "0001" + "9").
const number = (digits: string): string => `${String(digits.length).padStart(4, '0')}${digits}`;
// semver keeps numeric identifiers above Number.MAX_SAFE_INTEGER as strings, still numeric for precedence.
const NUMERIC = /^\d+$/;

/**
 * A string whose byte order (SQLite's BINARY collation, PostgreSQL's "C") is semver precedence: `1.0.10` after
 * `1.0.9`, a pre-release before its release, build metadata ignored. A string that is not a semantic version sorts
 * before every version (the routes only register semantic versions).
 */
export function versionSortKey(version: string): string {
  const parsed = semver.parse(version);
  if (parsed === null) return '';
  let key = `${number(String(parsed.major))}${number(String(parsed.minor))}${number(String(parsed.patch))}`;
  // "~" sorts after "!", so a release follows its pre-releases; "!" sorts before every identifier character, so a
  // shorter list of identifiers comes first, as semver wants.
  if (parsed.prerelease.length === 0) return `${key}~`;
  for (const id of parsed.prerelease.map(String)) key += NUMERIC.test(id) ? `!0${number(id)}` : `!1${id}`;
  return key;
}
