import { describe, expect, it } from 'vitest';
import { U64Table } from './u64-table.js';

const key = (i: number) => [Math.imul(i, 2654435761) >>> 0, Math.imul(i ^ 0x5bd1e995, 40503) >>> 0] as const;

describe('U64Table', () => {
  it.each([undefined, 0, 1, 1000, 30_000])('keeps the first value of every key, sized for %s entries up front', (expected) => {
    const table = new U64Table(expected);
    const n = 20_000;
    for (let i = 0; i < n; i++) expect(table.putIfAbsent(...key(i), i)).toBe(-1);
    for (let i = 0; i < n; i++) expect(table.putIfAbsent(...key(i), n + i)).toBe(i);
    for (let i = 0; i < n; i++) expect(table.get(...key(i))).toBe(i);
    expect(table.get(...key(n))).toBe(-1);
    expect(table.size).toBe(n);
    table.set(...key(7), 70);
    expect(table.get(...key(7))).toBe(70);
    expect([...table.entries()].length).toBe(n);
  });

  it('holds its entries at least half full after growing, and sized up front without growing', () => {
    const grown = new U64Table();
    for (let i = 0; i < 100_000; i++) grown.putIfAbsent(...key(i), i);
    expect(grown.bytes / 12).toBeLessThanOrEqual(2 * 100_000);
    const sized = new U64Table(100_000);
    const before = sized.bytes;
    for (let i = 0; i < 100_000; i++) sized.putIfAbsent(...key(i), i);
    expect(sized.bytes).toBe(before);
    expect(sized.bytes / 12).toBeLessThanOrEqual(Math.ceil(100_000 / 0.75));
  });

  it('finds keys whose probe runs wrap around the end of the table', () => {
    // 16 slots: every key lands somewhere, and 12 of them fill the table to its limit, so runs wrap.
    const table = new U64Table(0);
    for (let i = 0; i < 12; i++) table.putIfAbsent(...key(i), i);
    expect(table.bytes / 12).toBe(16);
    for (let i = 0; i < 12; i++) expect(table.get(...key(i))).toBe(i);
  });
});
