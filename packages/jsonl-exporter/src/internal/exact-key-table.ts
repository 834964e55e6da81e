/**
 * An open-addressing hash set of 104-bit keys (two 52-bit halves of a SHA-256) mapping to the ordinal of the first
 * sample seen with that key: 20 bytes per slot in typed arrays, about 40 bytes per sample at the load it keeps,
 * where a Map of boxed numbers costs ~100. Exact dedup holds one entry per kept sample for the whole run.
 */
export class ExactKeyTable {
  private hi = new Float64Array(1 << 12);
  private lo = new Float64Array(1 << 12);
  private ordinals = new Int32Array(1 << 12).fill(-1);
  private used = 0;

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
    if ((this.used + 1) * 2 > this.ordinals.length) this.grow();
    const slot = this.slotOf(hi, lo);
    if ((this.ordinals[slot] as number) >= 0) return;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.ordinals[slot] = ordinal;
    this.used++;
  }

  /** The slot holding (hi, lo), or the empty slot where it belongs (linear probing). */
  private slotOf(hi: number, lo: number): number {
    const mask = this.ordinals.length - 1;
    // The halves are uniformly random bits, so their low bits are a fine slot index.
    let slot = hi % (mask + 1);
    while ((this.ordinals[slot] as number) >= 0 && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { hi, lo, ordinals } = this;
    const size = ordinals.length * 2;
    this.hi = new Float64Array(size);
    this.lo = new Float64Array(size);
    this.ordinals = new Int32Array(size).fill(-1);
    this.used = 0;
    for (let i = 0; i < ordinals.length; i++) {
      const o = ordinals[i] as number;
      if (o >= 0) this.add(hi[i] as number, lo[i] as number, o);
    }
  }
}
