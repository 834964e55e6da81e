/**
 * Most keys per slot before the table grows by half: linear probing stays short (under 9 probes for a new key on
 * average), and at least half the slots are in use, where doubling at half full left up to three in four empty.
 */
const MAX_LOAD = 0.75;

/**
 * An open-addressing hash set of 96-bit keys mapping to the ordinal of the first sample seen with that key: the
 * pipeline hands two 52-bit halves of a SHA-256, and the table keeps 96 of those bits as three uint32s (the low 32
 * of each half and a word of the rest). 16 bytes per slot in typed arrays, 21-32 bytes per sample (21 when sized for
 * its keys up front), where a Map of boxed numbers costs ~100. Exact dedup holds one entry per kept sample for the
 * whole run. Two different samples share a key with odds of about n^2 / 2^97: 1 in 10^16 at 4M samples.
 */
export class ExactKeyTable {
  private a: Uint32Array;
  private b: Uint32Array;
  private c: Uint32Array;
  private ordinals: Int32Array;
  private used = 0;

  /** @param expected keys to make room for now (the table grows past them as needed). */
  constructor(expected = 2048) {
    // Any number of slots, not only powers of two: a table sized for its keys is not up to twice that.
    const slots = Math.max(16, Math.ceil(expected / MAX_LOAD));
    this.a = new Uint32Array(slots);
    this.b = new Uint32Array(slots);
    this.c = new Uint32Array(slots);
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
    this.a[slot] = hi >>> 0;
    this.b[slot] = lo >>> 0;
    this.c[slot] = highWord(hi, lo);
    this.ordinals[slot] = ordinal;
    this.used++;
  }

  /** The slot holding (hi, lo), or the empty slot where it belongs (linear probing). */
  private slotOf(hi: number, lo: number): number {
    const slots = this.ordinals.length;
    // ToUint32 of an integer below 2^53 is exactly its low 32 bits, with no float division.
    const a = hi >>> 0;
    const b = lo >>> 0;
    const c = highWord(hi, lo);
    // The halves are uniformly random bits, so their remainder is a fine slot index.
    let slot = hi % slots;
    while ((this.ordinals[slot] as number) >= 0 && (this.a[slot] !== a || this.b[slot] !== b || this.c[slot] !== c)) {
      if (++slot === slots) slot = 0;
    }
    return slot;
  }

  private grow(): void {
    const { a, b, c, ordinals } = this;
    const slots = Math.ceil(ordinals.length * 1.5);
    this.a = new Uint32Array(slots);
    this.b = new Uint32Array(slots);
    this.c = new Uint32Array(slots);
    this.ordinals = new Int32Array(slots).fill(-1);
    for (let i = 0; i < ordinals.length; i++) {
      const o = ordinals[i] as number;
      if (o < 0) continue;
      // A slot depends on hi alone, which its low word and the top 20 bits of c give back whole.
      const hi = ((c[i] as number) >>> 12) * TWO_32 + (a[i] as number);
      let slot = hi % slots;
      while ((this.ordinals[slot] as number) >= 0) if (++slot === slots) slot = 0;
      this.a[slot] = a[i] as number;
      this.b[slot] = b[i] as number;
      this.c[slot] = c[i] as number;
      this.ordinals[slot] = o;
    }
  }
}

const TWO_32 = 2 ** 32;

/** The 20 bits of hi above its low word, then the top 12 of lo's 52. */
function highWord(hi: number, lo: number): number {
  // Dividing by a power of two is exact, and >>> 0 truncates the non-negative quotient: its floor.
  return ((((hi / TWO_32) >>> 0) << 12) | ((lo / 2 ** 40) >>> 0)) >>> 0;
}
