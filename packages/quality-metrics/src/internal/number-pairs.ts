/**
 * Pairs of numbers appended to one Float64Array, grown by half when full: per-sample columns of the accumulator
 * kept off the JS heap. A number[] of a million pairs held its doubles on the heap, and each of its growths left
 * the old copy there until a full collection (measured: the report worker's heap rose by ~50 MB at 1M samples).
 */
export class NumberPairs {
  private data: Float64Array;
  /** Pairs stored. */
  length = 0;

  /** @param expected pairs to make room for now. */
  constructor(expected = 512) {
    this.data = new Float64Array(2 * Math.max(16, expected));
  }

  /** The pairs of a flat array `[a0, b0, a1, b1, ...]`. */
  static fromFlat(flat: Float64Array): NumberPairs {
    if (flat.length % 2 !== 0) throw new Error('number pairs need an even count of numbers');
    const pairs = new NumberPairs(flat.length / 2);
    pairs.data.set(flat);
    pairs.length = flat.length / 2;
    return pairs;
  }

  push(a: number, b: number): void {
    let at = 2 * this.length;
    if (at + 2 > this.data.length) {
      const next = new Float64Array(Math.ceil(this.data.length * 1.5) & ~1);
      next.set(this.data);
      this.data = next;
    }
    this.data[at++] = a;
    this.data[at] = b;
    this.length++;
  }

  /** First number of pair `i`. */
  first(i: number): number {
    return this.data[2 * i]!;
  }

  /** Second number of pair `i`. */
  second(i: number): number {
    return this.data[2 * i + 1]!;
  }

  /** All pairs, flat (a view, not a copy). */
  flat(): Float64Array {
    return this.data.subarray(0, 2 * this.length);
  }
}
