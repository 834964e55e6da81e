import { describe, expect, it } from 'vitest';
import { isNewerVersion } from './is-newer-version.js';

describe('isNewerVersion', () => {
  it('orders as "latest" reads versions: semver, a release before any pre-release, unparsable oldest', () => {
    expect(isNewerVersion('1.0.10', '1.0.9')).toBe(true);
    expect(isNewerVersion('1.0.9', '1.0.10')).toBe(false);
    expect(isNewerVersion('2.0.0-rc.1', '1.4.0')).toBe(false);
    expect(isNewerVersion('1.4.0', '2.0.0-rc.1')).toBe(true);
    expect(isNewerVersion('2.0.0-rc.2', '2.0.0-rc.1')).toBe(true);
    expect(isNewerVersion('1.0.0', undefined)).toBe(true);
    expect(isNewerVersion('v-one', '0.0.1')).toBe(false);
  });
});
