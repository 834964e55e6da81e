import { Base64Parts, PART_BYTES } from './state-json.js';

/**
 * Most entries per slot before the table grows by half: linear probing stays short (under 9 probes for a new key
 * on average), and at least half the slots are in use, where doubling at half full left up to three in four empty.
 */
const MAX_LOAD = 0.75;

/** Slots for `entries` at {@link MAX_LOAD}, at least 16. */
function slotsFor(entries: number): number {
  return Math.max(16, Math.ceil(entries / MAX_LOAD));
}

// Open-addressing hash table from a 64-bit key (two uint32 halves, already well mixed) to a non-negative int32.
// Typed arrays instead of a Map of strings: 12 bytes per slot, no per-entry object, and no 16.7M-entry ceiling.
// Any number of slots (not only powers of two), so a table sized for its entries up front is not up to twice that.
export class U64Table {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private values: Int32Array;
  size = 0;

  /** @param expected entries to make room for now (the table grows past them as needed). */
  constructor(expected = 512) {
    const slots = slotsFor(expected);
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.values = new Int32Array(slots).fill(-1);
  }

  /** Makes room for `entries` in all, growing once now rather than step by step later. */
  reserve(entries: number): void {
    if (slotsFor(entries) > this.values.length) this.resize(slotsFor(entries));
  }

  private home(hi: number, lo: number): number {
    return ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % this.values.length;
  }

  /** The value stored for the key, or -1. */
  get(hi: number, lo: number): number {
    const values = this.values;
    let slot = this.home(hi, lo);
    for (;;) {
      const v = values[slot]!;
      if (v === -1) return -1;
      if (this.lo[slot] === lo && this.hi[slot] === hi) return v;
      if (++slot === values.length) slot = 0;
    }
  }

  /** Stores `value` (>= 0) for the key unless present; returns the existing value, or -1 when it inserted. */
  putIfAbsent(hi: number, lo: number, value: number): number {
    if (this.size + 1 > this.values.length * MAX_LOAD) this.resize(Math.ceil(this.values.length * 1.5));
    const values = this.values;
    hi >>>= 0;
    lo >>>= 0;
    let slot = this.home(hi, lo);
    for (;;) {
      const v = values[slot]!;
      if (v === -1) {
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        values[slot] = value;
        this.size++;
        return -1;
      }
      if (this.lo[slot] === lo && this.hi[slot] === hi) return v;
      if (++slot === values.length) slot = 0;
    }
  }

  /** Overwrites the value of a key that is present. */
  set(hi: number, lo: number, value: number): void {
    hi >>>= 0;
    lo >>>= 0;
    const values = this.values;
    let slot = this.home(hi, lo);
    while (values[slot] !== -1) {
      if (this.lo[slot] === lo && this.hi[slot] === hi) {
        values[slot] = value;
        return;
      }
      if (++slot === values.length) slot = 0;
    }
  }

  /** Entries as [hi, lo, value], in slot order. */
  *entries(): Generator<[number, number, number]> {
    for (let i = 0; i < this.values.length; i++) if (this.values[i] !== -1) yield [this.hi[i]!, this.lo[i]!, this.values[i]!];
  }

  /** The entries as base64 of little-endian uint32 triples (hi, lo, value): a compact, JSON-safe state. */
  toBase64(): string {
    return this.base64Parts().toJSON();
  }

  /** {@link toBase64} in parts of at most PART_BYTES (65,536 entries), packed only when a part is asked for. */
  base64Parts(): Base64Parts {
    const { hi, lo, values } = this;
    return new Base64Parts(function* () {
      const packed = new Uint32Array(PART_BYTES / 4);
      let at = 0;
      for (let i = 0; i < values.length; i++) {
        if (values[i] === -1) continue;
        packed[at++] = hi[i]!;
        packed[at++] = lo[i]!;
        packed[at++] = values[i]!;
        if (at === packed.length) {
          yield Buffer.from(packed.buffer).toString('base64');
          at = 0;
        }
      }
      if (at > 0) yield Buffer.from(packed.buffer, 0, at * 4).toString('base64');
    });
  }

  /** Adds the entries of a {@link toBase64} string. */
  putAllBase64(text: string): void {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % 12 !== 0) throw new Error('a table state must hold 12 bytes per entry');
    const packed = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    this.reserve(this.size + packed.length / 3);
    for (let i = 0; i < packed.length; i += 3) this.putIfAbsent(packed[i]!, packed[i + 1]!, packed[i + 2]!);
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.values.length * 12;
  }

  private resize(slots: number): void {
    const { hi, lo, values } = this;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.values = new Int32Array(slots).fill(-1);
    this.size = 0;
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== -1) this.putIfAbsent(hi[i]!, lo[i]!, values[i]!);
    }
  }
}
