import xxhash from 'xxhash-wasm';

// Instantiated once at module load (top-level await) so that every hashing API of this package stays synchronous:
// the exporter calls them per record and must not await. The WASM module is tiny (a few KB) and bundled in the
// package, so this costs about a millisecond and never touches the network.
const api = await xxhash();

const wasmH32: (input: string, seed?: number) => number = api.h32;

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** Four ASCII characters from `i` as a little-endian uint32, as xxHash reads their UTF-8 bytes. */
const read32 = (s: string, i: number): number =>
  s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);

/**
 * Seeded 32-bit xxHash of a string (UTF-8). ASCII strings, e.g. most words, are hashed here in JavaScript: a WASM
 * call that first encodes its argument costs several times more on a word. Same values as xxhash-wasm's `h32`.
 */
export function h32(input: string, seed = 0): number {
  const n = input.length;
  let units = 0;
  for (let j = 0; j < n; j++) units |= input.charCodeAt(j);
  // Other text: its UTF-8 bytes are not its code units.
  if (units > 0x7f) return wasmH32(input, seed);
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; i <= n - 16; i += 16) {
      v1 = Math.imul(rotl((v1 + Math.imul(read32(input, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(read32(input, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(read32(input, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(read32(input, i + 12), P2)) | 0, 13), P1);
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + n) | 0;
  for (; i + 4 <= n; i += 4) h = Math.imul(rotl((h + Math.imul(read32(input, i), P3)) | 0, 17), P4);
  for (; i < n; i++) h = Math.imul(rotl((h + Math.imul(input.charCodeAt(i), P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeded 32-bit xxHash of bytes. */
export const h32Raw: (input: Uint8Array, seed?: number) => number = api.h32Raw;

/** 64-bit xxHash of bytes. */
export const h64Raw: (input: Uint8Array, seed?: bigint) => bigint = api.h64Raw;

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
