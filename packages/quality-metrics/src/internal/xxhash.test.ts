import fc from 'fast-check';
import xxhash from 'xxhash-wasm';
import { describe, expect, it } from 'vitest';
import { h32 } from './xxhash.js';

const reference = await xxhash();

describe('h32', () => {
  it('equals xxhash-wasm on ASCII and other strings of every length and seed', () => {
    // Lengths on both sides of xxHash's 16-byte stripes; a few non-ASCII characters (Latin-1, BMP, astral).
    const ascii = fc.string({ maxLength: 70, size: 'max' });
    const mixed = fc
      .array(fc.constantFrom('a', 'Z', '7', ' ', '\u007f', '\u0080', 'é', '\u00ff', '\u0100', '漢', '\u{1f600}'), { maxLength: 40, size: 'max' })
      .map((parts) => parts.join(''));
    const text = fc.oneof(ascii, mixed);
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
        expect(h32(s, seed)).toBe(reference.h32(s, seed));
        expect(h32(s)).toBe(reference.h32(s, 0));
      }),
      { numRuns: 5000 },
    );
  });
});
