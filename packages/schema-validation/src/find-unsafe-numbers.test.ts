import { describe, expect, it } from 'vitest';
import { findUnsafeNumbers, mayHoldUnsafeNumber } from './find-unsafe-numbers.js';
import { readJsonl, type JsonlRecord } from './read-jsonl.js';

function unsafeIn(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!mayHoldUnsafeNumber(value)) return [];
  return findUnsafeNumbers(text, value).map((u) => `${u.path} ${u.message}`);
}

describe('findUnsafeNumbers', () => {
  it('reports an integer written with a zero fraction whose digits JSON.parse changed', () => {
    // Before: none of these was reported, and 9007199254740993.0 was exported as 9007199254740992.
    expect(unsafeIn('{"n":9007199254740993.0}')).toEqual([
      '/n integer 9007199254740993.0 cannot be kept exactly as a JSON number (it would become 9007199254740992); quote it as a string',
    ]);
    expect(unsafeIn('{"n":12345678901234567890.0}')).toEqual([
      '/n integer 12345678901234567890.0 cannot be kept exactly as a JSON number (it would become 12345678901234567000); quote it as a string',
    ]);
    expect(unsafeIn('[1, -9007199254740993.000, 9007199254740993]').map((m) => m.split(' ')[0])).toEqual(['/1', '/2']);
  });

  it('keeps floats, and whole numbers JSON writes back with the same value', () => {
    for (const kept of [
      // Floats as printf's %.17g writes them (C, numpy): the exponent makes them floats, whatever their digits.
      '6.0221407599999999e+23',
      '9.9999999999999992e+22',
      '9007199254740993e0',
      '1.00000000000000000001E20',
      '0.1',
      '123456789012345678901234567890.5',
      '9007199254740992.5',
      '1.5e300',
      '1e23',
      '1.2345678901234567e+19',
      '9007199254740992.0',
      '100000000000000000000.0',
      '12345678901234567000.0',
      '1000000000000000000000.0',
    ]) {
      expect(unsafeIn(`{"n":${kept}}`), kept).toEqual([]);
    }
  });

  it('pairs each literal with its own number when several parse to the same value', () => {
    // 1e20 is exact; before, /a was reported with the message about the literal of /b.
    expect(unsafeIn('{"a":1e20,"b":100000000000000000001,"c":100000000000000000000.0}').map((m) => m.split(' ')[0])).toEqual(['/b']);
  });

  it('makes the JSONL reader report a zero-fraction literal as unsafe_integer on its line', async () => {
    const records: JsonlRecord[] = [];
    for await (const r of readJsonl(['{"n":9007199254740992.0}\n{"n":9007199254740993.0}\n'])) records.push(r);
    expect(records.map((r) => r.issues.map((i) => `${i.line} ${i.path} ${i.code}`))).toEqual([[], ['2 /n unsafe_integer']]);
    expect(records[1]?.value).toBeUndefined();
  });
});
