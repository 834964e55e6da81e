import { describe, expect, it } from 'vitest';
import { ExactKeyTable } from './exact-key-table.js';

describe('ExactKeyTable', () => {
  it('finds the first ordinal stored under a key pair, across growth', () => {
    const table = new ExactKeyTable();
    const n = 20_000;
    const key = (i: number) => [(i * 2654435761) % 2 ** 52, (i * 40503) % 2 ** 52] as const;
    for (let i = 0; i < n; i++) {
      expect(table.find(...key(i))).toBe(-1);
      table.add(...key(i), i);
    }
    for (let i = 0; i < n; i++) table.add(...key(i), n + i);
    for (let i = 0; i < n; i++) expect(table.find(...key(i))).toBe(i);
    expect(table.size).toBe(n);
  });

  it.each([0, 1, 5_000, 50_000])('finds every key when sized for %s keys up front, probe runs wrapping around', (expected) => {
    const table = new ExactKeyTable(expected);
    const n = 20_000;
    // Keys whose first halves share a remainder crowd into one run of slots, which wraps at the table's end.
    const key = (i: number) => [i * 16 * 4099 + 15, i] as const;
    for (let i = 0; i < n; i++) table.add(...key(i), i);
    for (let i = 0; i < n; i++) expect(table.find(...key(i))).toBe(i);
    expect(table.find(...key(n))).toBe(-1);
    expect(table.size).toBe(n);
  });

  it('tells apart keys whose first halves collide', () => {
    const table = new ExactKeyTable();
    table.add(12345, 1, 0);
    expect(table.find(12345, 2)).toBe(-1);
    table.add(12345, 2, 1);
    expect(table.find(12345, 2)).toBe(1);
    expect(table.find(12345, 1)).toBe(0);
  });
});

describe('ExactKeyTable keys', () => {
  it('tells apart real 52-bit halves that differ only in their high bits, across growth', () => {
    const table = new ExactKeyTable(16);
    const keys: [number, number][] = [];
    for (let i = 0; i < 5_000; i++) {
      // Same low 32 bits of each half, different high bits of hi (20) and of lo (its top 12).
      keys.push([(i % 1024) * 2 ** 32 + 7, 9], [7, (i % 4096) * 2 ** 40 + 9]);
    }
    const distinct = new Map<string, number>();
    keys.forEach(([hi, lo], i) => {
      if (!distinct.has(`${hi},${lo}`)) distinct.set(`${hi},${lo}`, i);
      table.add(hi, lo, i);
    });
    expect(table.size).toBe(distinct.size);
    for (const [k, first] of distinct) {
      const [hi, lo] = k.split(',').map(Number) as [number, number];
      expect(table.find(hi, lo)).toBe(first);
    }
    expect(table.find(2 ** 52 - 1, 2 ** 52 - 1)).toBe(-1);
  });
});
