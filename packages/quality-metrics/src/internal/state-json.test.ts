import { describe, expect, it } from 'vitest';
import { Base64Parts, PART_BYTES, jsonPieces, materialize } from './state-json.js';
import { U64Table } from './u64-table.js';

const join = (pieces: Iterable<string>) => [...pieces].join('');

describe('state JSON in pieces', () => {
  it('writes the text of JSON.stringify, with Base64Parts at any depth and fields JSON leaves out', () => {
    const b64 = new Base64Parts(function* () {
      yield Buffer.from('abc').toString('base64');
      yield Buffer.from('def').toString('base64');
    });
    const value = { v: 2, skip: undefined, f: () => 1, a: [1, undefined, 'x'], o: { t: b64, n: null, deep: { t: b64 } }, s: 'Größe 👍' };
    const expected = JSON.stringify(value);
    expect(join(jsonPieces(value))).toBe(expected);
    expect(JSON.parse(expected).o.t).toBe(Buffer.from('abcdef').toString('base64'));
    // materialize gives the plain object JSON.stringify sees.
    expect(JSON.stringify(materialize(value))).toBe(expected);
    expect(materialize(value).o.t).toBe('YWJjZGVm');
    expect(join(jsonPieces({ only: undefined }))).toBe('{}');
  });

  it('splits tables into parts that concatenate to the base64 of all their bytes', () => {
    const table = new U64Table();
    const entries = PART_BYTES / 12 + 1000;
    for (let i = 0; i < entries; i++) table.putIfAbsent(Math.imul(i, 2654435761) >>> 0, (i ^ 0x5bd1e995) >>> 0, i);
    const parts = [...table.base64Parts().parts()];
    expect(parts.length).toBe(2);
    const copy = new U64Table();
    copy.putAllBase64(parts.join(''));
    expect(copy.size).toBe(entries);
    expect(copy.get(Math.imul(5, 2654435761) >>> 0, (5 ^ 0x5bd1e995) >>> 0)).toBe(5);
  });
});
