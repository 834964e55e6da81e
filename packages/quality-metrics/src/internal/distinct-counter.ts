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
  exact: Set<number> | undefined = new Set();

  add(hash: number): void {
    const x = fmix32(hash);
    const idx = x >>> (32 - P);
    const w = (x << P) >>> 0;
    const rank = w === 0 ? 32 - P + 1 : Math.clz32(w) + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
    if (this.exact !== undefined) {
      this.exact.add(hash >>> 0);
      if (this.exact.size > EXACT_LIMIT) this.exact = undefined;
    }
  }

  get isExact(): boolean {
    return this.exact !== undefined;
  }

  count(): number {
    if (this.exact !== undefined) return this.exact.size;
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
    if (this.exact !== undefined && other.exact !== undefined) {
      for (const h of other.exact) this.exact.add(h);
      if (this.exact.size > EXACT_LIMIT) this.exact = undefined;
    } else this.exact = undefined;
  }

  toJSON(): { registers: string; exact: number[] | null } {
    return {
      registers: Buffer.from(this.registers.buffer, this.registers.byteOffset, this.registers.byteLength).toString('base64'),
      exact: this.exact === undefined ? null : [...this.exact].sort((a, b) => a - b),
    };
  }

  static fromJSON(json: { registers: string; exact: number[] | null }): DistinctCounter {
    const c = new DistinctCounter();
    const bytes = Buffer.from(json.registers, 'base64');
    if (bytes.length !== M) throw new Error(`HyperLogLog registers must be ${M} bytes, got ${bytes.length}`);
    c.registers.set(bytes);
    c.exact = json.exact === null ? undefined : new Set(json.exact);
    return c;
  }
}
