/**
 * Most keys per slot before the table grows by half: linear probing stays short (under 9 probes for a new key on
 * average), and at least half the slots are in use, where doubling at half full left up to three in four empty.
 */
const MAX_LOAD = 0.75;

/**
 * An open-addressing hash set of 104-bit keys (two 52-bit halves of a SHA-256) mapping to the ordinal of the first
 * sample seen with that key: 20 bytes per slot in typed arrays, 27-40 bytes per sample (27 when sized for its keys up
 * front), where a Map of boxed numbers costs ~100. Exact dedup holds one entry per kept sample for the whole run.
 */
export class ExactKeyTable {
  private hi: Float64Array;
  private lo: Float64Array;
  private ordinals: Int32Array;
  private used = 0;

  /** @param expected keys to make room for now (the table grows past them as needed). */
  constructor(expected = 2048) {
    // Any number of slots, not only powers of two: a table sized for its keys is not up to twice that.
    const slots = Math.max(16, Math.ceil(expected / MAX_LOAD));
    this.hi = new Float64Array(slots);
    this.lo = new Float64Array(slots);
    this.ordinals = new Int32Array(slots).fill(-1);
  }

  /** Number of keys stored. */
  get size(): number {
    return this.used;
  }

  /** The ordinal stored under (hi, lo), or -1. */
  find(hi: number, lo: number): number {
    return this.ordinals[this.slotOf(hi, lo)] as number;
  }

  /** Store `ordinal` under (hi, lo) unless the key is there already. */
  add(hi: number, lo: number, ordinal: number): void {
    if (this.used + 1 > this.ordinals.length * MAX_LOAD) this.grow();
    const slot = this.slotOf(hi, lo);
    if ((this.ordinals[slot] as number) >= 0) return;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.ordinals[slot] = ordinal;
    this.used++;
  }

  /** The slot holding (hi, lo), or the empty slot where it belongs (linear probing). */
  private slotOf(hi: number, lo: number): number {
    const slots = this.ordinals.length;
    // The halves are uniformly random bits, so their remainder is a fine slot index.
    let slot = hi % slots;
    while ((this.ordinals[slot] as number) >= 0 && (this.hi[slot] !== hi || this.lo[slot] !== lo)) {
      if (++slot === slots) slot = 0;
    }
    return slot;
  }

  private grow(): void {
    const { hi, lo, ordinals } = this;
    const slots = Math.ceil(ordinals.length * 1.5);
    this.hi = new Float64Array(slots);
    this.lo = new Float64Array(slots);
    this.ordinals = new Int32Array(slots).fill(-1);
    this.used = 0;
    for (let i = 0; i < ordinals.length; i++) {
      const o = ordinals[i] as number;
      if (o >= 0) this.add(hi[i] as number, lo[i] as number, o);
    }
  }
}
