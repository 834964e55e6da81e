import { describe, expect, it } from 'vitest';
import { RefTable } from './ref-table.js';

describe('RefTable', () => {
  it('gives back every ref it stored, whatever its shape', () => {
    const refs = ['data.jsonl:1', 'data.jsonl:17', 'other.csv:3', 'docs:abc', 'a:007', 'plain', 'x:', 'db:12345678901234567'];
    for (let i = 0; i < 3000; i++) refs.push(`big.jsonl:${i * 7}`);
    const table = new RefTable();
    for (const r of refs) table.push(r);
    expect(table.length).toBe(refs.length);
    expect(refs.map((_, i) => table.get(i))).toEqual(refs);
    expect(table.get(refs.length)).toBeUndefined();
    expect(table.get(-1)).toBeUndefined();
  });

  it('keeps each ref its own file when files alternate, and lines up to 2^32 - 1 and past it', () => {
    const refs: string[] = [];
    for (let i = 0; i < 500; i++) {
      refs.push(i % 3 === 0 ? `a.jsonl:${i}` : i % 3 === 1 ? `b/c.csv:${i}` : `pg:key-${i}`);
      if (i % 50 === 0) refs.push(`a.jsonl:${4294967294 + (i % 100 === 0 ? 0 : 1)}`, 'a.jsonl:99999999999');
    }
    // Sized smaller than its refs: it grows.
    const table = new RefTable(16);
    for (const r of refs) table.push(r);
    expect(refs.map((_, i) => table.get(i))).toEqual(refs);
  });
});
