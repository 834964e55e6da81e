import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { isLinearForBacktracking } from './linear-regexp.js';

const LINEAR = [
  '^[a-z]+(-[a-z0-9]+)*$',
  '^[A-Z]{2}\\d{4}$',
  '^\\d+(\\.\\d+)?$',
  '^[a-z0-9_]+(?:\\.[a-z0-9_]+)*@[a-z]+$',
  '^.*$',
  '^v\\d+\\.\\d+\\.\\d+$',
  '^[^,]+(,[^,]+)*$',
  '^[\\u00e4a]+x',
];
const NOT_PROVEN = [
  '^(a+)+$',
  '^(a|aa)*$',
  '^\\d+\\d+$',
  '^a?a$',
  '^.*x$',
  '^(a*)*$',
  '^([a-z]+-?)*$',
  '[a-z]+$',
  '^(?=a)a+$',
  '^(\\w+)\\1$',
  '^a+?b$',
  '^(-[a-z]+[a-z]+)*$',
];

describe('isLinearForBacktracking', () => {
  it('accepts anchored deterministic patterns', () => {
    for (const p of LINEAR) expect([p, isLinearForBacktracking(p)]).toEqual([p, true]);
  });

  it('refuses ambiguous, unanchored or backtracking-feature patterns', () => {
    for (const p of NOT_PROVEN) expect([p, isLinearForBacktracking(p)]).toEqual([p, false]);
  });

  it('matches exactly what RE2 matches for the accepted patterns (differential)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINEAR), fc.string({ unit: fc.constantFrom('a', 'z', '-', '.', '1', ',', 'A', 'x', 'ä', '@', '_', ' ') }), (p, s) => {
        const native = new RegExp(p, 'u').test(s);
        const re2 = RE2JS.compile(p.replaceAll('\\u00e4', '\\x{e4}')).test(s);
        expect(native).toBe(re2);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a hostile input on an accepted pattern fast enough to finish at once', () => {
    const re = new RegExp(LINEAR[0] as string, 'u');
    expect(re.test(`${'a'.repeat(200_000)}-${'-a'.repeat(100_000)}!`)).toBe(false);
  });
});
