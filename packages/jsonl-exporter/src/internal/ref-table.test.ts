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
  });
});
