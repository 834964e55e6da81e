import { fmix32 } from './xxhash.js';

const P = 14;
const M = 1 << P;
/** Standard error of the HyperLogLog estimate at 2^14 registers: 1.04 / sqrt(16384). */
export const HLL_RELATIVE_ERROR = 1.04 / Math.sqrt(M);
/** Up to this many distinct hashes the count is exact (a Set); beyond it HyperLogLog takes over. */
export const EXACT_LIMIT = 65536;

/**
 * Counts distinct 32-bit hashes: exactly while there are at most {@link EXACT_LIMIT}, then with a HyperLogLog of
 * 2^14 registers (always maintained, so merging never loses the sketch). Mergeable.
 */
export class DistinctCounter {
  registers = new Uint8Array(M);
  // The exact set: open addressing over the hashes as int32, 0 marking an empty slot (a hash of 0 is the `zero`
  // flag). A JS Set<number> boxed every hash above 2^30 and was a quarter of the accumulator's content-tier time.
  private slots: Int32Array | undefined = new Int32Array(256);
  private used = 0;
  private zero = false;

  add(hash: number): void {
    const x = fmix32(hash);
    const idx = x >>> (32 - P);
    const w = (x << P) >>> 0;
    const rank = w === 0 ? 32 - P + 1 : Math.clz32(w) + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
    if (this.slots !== undefined) this.insert(hash | 0, x);
  }

  get isExact(): boolean {
    return this.slots !== undefined;
  }

  /** Distinct hashes in the exact set. */
  private get size(): number {
    return this.used + (this.zero ? 1 : 0);
  }

  /** Adds `v` (a hash as int32, `mixed` = fmix32 of it) to the exact set; drops the set past EXACT_LIMIT. */
  private insert(v: number, mixed: number): void {
    if (v === 0) {
      this.zero = true;
    } else {
      const slots = this.slots!;
      const mask = slots.length - 1;
      let i = mixed & mask;
      for (;;) {
        const cur = slots[i]!;
        if (cur === v) return;
        if (cur === 0) break;
        i = (i + 1) & mask;
      }
      slots[i] = v;
      this.used++;
      if (this.used * 2 > slots.length) this.rehash(slots.length * 2);
    }
    if (this.size > EXACT_LIMIT) this.slots = undefined;
  }

  private rehash(capacity: number): void {
    const old = this.slots!;
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j++) {
      const v = old[j]!;
      if (v === 0) continue;
      let i = fmix32(v >>> 0) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = v;
    }
    this.slots = slots;
  }

  /** The exact set's hashes as uint32, ascending. */
  private sortedValues(): number[] {
    const out: number[] = this.zero ? [0] : [];
    for (const v of this.slots!) if (v !== 0) out.push(v >>> 0);
    return out.sort((a, b) => a - b);
  }

  count(): number {
    if (this.slots !== undefined) return this.size;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / M);
    const estimate = (alpha * M * M) / sum;
    if (estimate <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(estimate);
  }

  merge(other: DistinctCounter): void {
    for (let i = 0; i < M; i++) if (other.registers[i]! > this.registers[i]!) this.registers[i] = other.registers[i]!;
    if (this.slots === undefined || other.slots === undefined) {
      this.slots = undefined;
      return;
    }
    if (other.zero) this.insert(0, 0);
    for (const v of other.slots) {
      if (this.slots === undefined) return;
      if (v !== 0) this.insert(v, fmix32(v >>> 0));
    }
  }

  toJSON(): { registers: string; exact: number[] | null } {
    return {
      registers: Buffer.from(this.registers.buffer, this.registers.byteOffset, this.registers.byteLength).toString('base64'),
      exact: this.slots === undefined ? null : this.sortedValues(),
    };
  }

  static fromJSON(json: { registers: string; exact: number[] | null }): DistinctCounter {
    const c = new DistinctCounter();
    const bytes = Buffer.from(json.registers, 'base64');
    if (bytes.length !== M) throw new Error(`HyperLogLog registers must be ${M} bytes, got ${bytes.length}`);
    c.registers.set(bytes);
    if (json.exact === null) c.slots = undefined;
    else for (const h of json.exact) if (c.slots !== undefined) c.insert(h | 0, fmix32(h >>> 0));
    return c;
  }
}
