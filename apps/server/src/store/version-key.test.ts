import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { versionSortKey } from './version-key.js';

const byKey = (a: string, b: string): number => {
  const [ka, kb] = [versionSortKey(a), versionSortKey(b)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

describe('versionSortKey', () => {
  it('orders versions by semver precedence, not as text', () => {
    const versions = ['1.0.10', '1.0.0', '1.0.9', '10.0.0', '2.0.0', '1.0.0-rc.1', '1.0.0-alpha', '1.0.0-alpha.1',
      '1.0.0-alpha.beta', '1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-beta', '1.0.0-alpha-b'];
    expect([...versions].sort(byKey)).toEqual([...versions].sort(semver.compare));
    expect([...versions].sort(byKey).at(-1)).toBe('10.0.0');
  });

  it('ignores build metadata and puts non-semver strings first', () => {
    expect(versionSortKey('1.2.3+build.7')).toBe(versionSortKey('1.2.3'));
    expect(byKey('latest', '0.0.0-0')).toBe(-1);
  });

  it('agrees with semver.compare on generated versions', () => {
    const num = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 ** 40 }));
    const id = fc.oneof(num.map(String), fc.stringMatching(/^[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*$/));
    const version = fc
      .tuple(num, num, num, fc.array(id, { maxLength: 3 }))
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre.length ? `-${pre.join('.')}` : ''}`);
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(Math.sign(byKey(a, b))).toBe(semver.compare(a, b));
      }),
    );
  });
});
