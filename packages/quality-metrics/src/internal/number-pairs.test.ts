import { describe, expect, it } from 'vitest';
import { NumberPairs } from './number-pairs.js';

describe('NumberPairs', () => {
  it('keeps every pair in order across growth, and round-trips through its flat form', () => {
    const pairs = new NumberPairs(1);
    for (let i = 0; i < 10_000; i++) pairs.push(i * 4294967.5, -i);
    expect(pairs.length).toBe(10_000);
    expect(pairs.first(9_999)).toBe(9_999 * 4294967.5);
    expect(pairs.second(9_999)).toBe(-9_999);
    const copy = NumberPairs.fromFlat(Float64Array.from(pairs.flat()));
    expect(copy.length).toBe(10_000);
    for (const i of [0, 1, 31, 32, 5_000, 9_999]) expect([copy.first(i), copy.second(i)]).toEqual([pairs.first(i), pairs.second(i)]);
    copy.push(1, 2);
    expect([copy.first(10_000), copy.second(10_000)]).toEqual([1, 2]);
  });

  it('refuses a flat array of odd length', () => {
    expect(() => NumberPairs.fromFlat(new Float64Array(3))).toThrow(/even/);
  });
});
