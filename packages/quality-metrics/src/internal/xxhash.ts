import xxhash from 'xxhash-wasm';

// Instantiated once at module load (top-level await) so that every hashing API of this package stays synchronous:
// the exporter calls them per record and must not await. The WASM module is tiny (a few KB) and bundled in the
// package, so this costs about a millisecond and never touches the network.
const api = await xxhash();

/** Seeded 32-bit xxHash of a string (UTF-8). */
export const h32: (input: string, seed?: number) => number = api.h32;

/** murmur3's finaliser: a cheap, well-mixing 32-bit bijection. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Mixes `value` into the running hash `h`, order-sensitively (murmur3's block step). */
export function combine(h: number, value: number): number {
  let k = Math.imul(value, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}
