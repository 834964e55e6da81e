import { QualityMetricsError } from './errors.js';
import { combine, fmix32, h32 } from './internal/xxhash.js';
import { U64Table } from './internal/u64-table.js';
import { splitWords } from './internal/words.js';

/** Options of {@link createNearDupIndex}. */
export interface NearDupOptions {
  /** Number of MinHash functions; must equal `bands * rows`. @default 128 */
  numHashes?: number;
  /** LSH bands; two samples become candidates when all rows of one band agree. @default 16 */
  bands?: number;
  /** Words per shingle. @default 5 */
  shingleSize?: number;
  /** Estimated Jaccard similarity a candidate must reach to count as a near duplicate. @default 0.8 */
  threshold?: number;
  /** Seed of every hash function; the same seed gives the same answers. @default 1 */
  seed?: number;
}

/** The effective parameters of a near-duplicate index. */
export interface NearDupParams {
  numHashes: number;
  bands: number;
  rows: number;
  shingleSize: number;
  threshold: number;
  seed: number;
}

/** What {@link NearDupIndex.add} reports for a near duplicate. */
export interface NearDupMatch {
  /** Id of the cluster's representative: the first sample added of the cluster this one joins. */
  duplicateOf: number;
  /** Id of the earlier sample it matched best (often the representative itself). */
  nearest: number;
  /** Estimated Jaccard similarity of the word shingles with `nearest`, in [0, 1]. */
  similarity: number;
}

/** A MinHash LSH index that answers, per added text, whether an earlier text is a near duplicate. */
export interface NearDupIndex {
  /**
   * Adds a text under `id` (the caller's number, e.g. its line) and returns its earlier near duplicate, if any.
   * Texts without any word are not indexed and return `undefined`.
   */
  add(id: number, text: string): NearDupMatch | undefined;
  /** Number of texts indexed. */
  readonly size: number;
  /** The parameters in force. */
  readonly params: NearDupParams;
  /** Bytes held by signatures and band tables (the per-sample state). */
  readonly bytes: number;
}

const CHUNK = 16384;

/** Probability that a pair with Jaccard similarity `j` becomes an LSH candidate: 1 - (1 - j^rows)^bands. */
export function candidateProbability(j: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(j, rows), bands);
}

export function resolveNearDupParams(options: NearDupOptions = {}): NearDupParams {
  const numHashes = options.numHashes ?? 128;
  const bands = options.bands ?? 16;
  const shingleSize = options.shingleSize ?? 5;
  const threshold = options.threshold ?? 0.8;
  const seed = options.seed ?? 1;
  const bad = (field: string, why: string): never => {
    throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `near-duplicate option ${field}: ${why}`);
  };
  if (!Number.isInteger(numHashes) || numHashes < 1 || numHashes > 1024) bad('numHashes', 'must be an integer in 1..1024');
  if (!Number.isInteger(bands) || bands < 1 || numHashes % bands !== 0) bad('bands', `must divide numHashes (${numHashes})`);
  if (!Number.isInteger(shingleSize) || shingleSize < 1) bad('shingleSize', 'must be a positive integer');
  if (!(threshold > 0 && threshold <= 1)) bad('threshold', 'must be in (0, 1]');
  if (!Number.isInteger(seed)) bad('seed', 'must be an integer');
  return { numHashes, bands, rows: numHashes / bands, shingleSize, threshold, seed };
}

/**
 * The index behind {@link createNearDupIndex}. Signatures are b-bit MinHash (the low 16 bits of each minimum),
 * 2 bytes per hash, so 256 bytes per text at the defaults; band keys are 64-bit hashes of a band's 16-bit values in
 * one typed-array hash table per band. Exported for the accumulator (merge replays signatures), not publicly.
 */
export class NearDupIndexImpl implements NearDupIndex {
  readonly params: NearDupParams;
  private readonly perm: Uint32Array;
  private readonly tables: U64Table[];
  private readonly chunks: Uint16Array[] = [];
  private ids = new Float64Array(1024);
  private roots = new Int32Array(1024);
  private count = 0;
  private wordHashes = new Uint32Array(256);
  private readonly mins: Uint32Array;
  private readonly sig: Uint16Array;
  private readonly candidates: Int32Array;
  // Probability that two different minima agree on their low 16 bits by chance; removed from the estimate.
  private static readonly CHANCE = 1 / 65536;

  constructor(options: NearDupOptions = {}) {
    this.params = resolveNearDupParams(options);
    const { numHashes, bands, seed } = this.params;
    this.perm = new Uint32Array(numHashes);
    for (let i = 0; i < numHashes; i++) this.perm[i] = fmix32((seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
    this.tables = Array.from({ length: bands }, () => new U64Table());
    this.mins = new Uint32Array(numHashes);
    this.sig = new Uint16Array(numHashes);
    this.candidates = new Int32Array(bands);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    let t = 0;
    for (const table of this.tables) t += table.bytes;
    return t + this.chunks.length * CHUNK * this.params.numHashes * 2 + this.ids.byteLength + this.roots.byteLength;
  }

  /** The b-bit MinHash signature of `text`, or undefined when it has no word. The returned array is reused. */
  signature(text: string): Uint16Array | undefined {
    const words = splitWords(text);
    const n = words.length;
    if (n === 0) return undefined;
    const { numHashes, shingleSize, seed } = this.params;
    if (this.wordHashes.length < n) this.wordHashes = new Uint32Array(n * 2);
    const wh = this.wordHashes;
    for (let i = 0; i < n; i++) wh[i] = h32(words[i]!, seed);
    const mins = this.mins.fill(0xffffffff);
    const perm = this.perm;
    const k = Math.min(shingleSize, n);
    const shingles = n - k + 1;
    for (let s = 0; s < shingles; s++) {
      let x = seed >>> 0;
      for (let j = 0; j < k; j++) x = combine(x, wh[s + j]!);
      for (let i = 0; i < numHashes; i++) {
        // fmix32(x ^ perm[i]) inlined: one independent-looking permutation per hash function.
        let v = x ^ perm[i]!;
        v ^= v >>> 16;
        v = Math.imul(v, 0x85ebca6b);
        v ^= v >>> 13;
        v = Math.imul(v, 0xc2b2ae35);
        v = (v ^ (v >>> 16)) >>> 0;
        if (v < mins[i]!) mins[i] = v;
      }
    }
    const sig = this.sig;
    for (let i = 0; i < numHashes; i++) sig[i] = mins[i]! & 0xffff;
    return sig;
  }

  add(id: number, text: string): NearDupMatch | undefined {
    const sig = this.signature(text);
    return sig === undefined ? undefined : this.addSignature(id, sig);
  }

  /** Indexes a signature computed by {@link signature} (possibly elsewhere, with the same params). */
  addSignature(id: number, sig: Uint16Array): NearDupMatch | undefined {
    const { bands, rows, numHashes, threshold, seed } = this.params;
    const idx = this.count;
    let nCand = 0;
    const cands = this.candidates;
    for (let b = 0; b < bands; b++) {
      let h1 = (seed ^ Math.imul(b + 1, 0x27d4eb2f)) >>> 0;
      let h2 = (h1 ^ 0x165667b1) >>> 0;
      const base = b * rows;
      for (let r = 0; r < rows; r++) {
        const v = sig[base + r]!;
        h1 = combine(h1, v);
        h2 = combine(h2, v ^ 0x5bd1e995);
      }
      const existing = this.tables[b]!.putIfAbsent(fmix32(h1), fmix32(h2 ^ h1), idx);
      if (existing >= 0) {
        let seen = false;
        for (let c = 0; c < nCand; c++) if (cands[c] === existing) seen = true;
        if (!seen) cands[nCand++] = existing;
      }
    }
    let best = -1;
    let bestSim = -1;
    for (let c = 0; c < nCand; c++) {
      const other = cands[c]!;
      const chunk = this.chunks[Math.floor(other / CHUNK)]!;
      const off = (other % CHUNK) * numHashes;
      let same = 0;
      for (let i = 0; i < numHashes; i++) if (chunk[off + i] === sig[i]) same++;
      const chance = NearDupIndexImpl.CHANCE;
      const sim = Math.max(0, (same / numHashes - chance) / (1 - chance));
      if (sim >= threshold && (sim > bestSim || (sim === bestSim && other < best))) {
        best = other;
        bestSim = sim;
      }
    }
    this.store(idx, id, sig, best >= 0 ? this.roots[best]! : idx);
    if (best < 0) return undefined;
    return { duplicateOf: this.ids[this.roots[best]!]!, nearest: this.ids[best]!, similarity: bestSim };
  }

  /** Clusters (size >= 2) by representative id, each with its size and first `maxMembers` member ids. */
  clusters(maxMembers: number): { duplicates: number; clusters: { representative: number; size: number; members: number[] }[] } {
    const sizes = new Int32Array(this.count);
    let duplicates = 0;
    for (let i = 0; i < this.count; i++) {
      const r = this.roots[i]!;
      sizes[r]! += 1;
      if (r !== i) duplicates++;
    }
    const byRoot = new Map<number, { representative: number; size: number; members: number[] }>();
    for (let i = 0; i < this.count; i++) {
      const r = this.roots[i]!;
      if (sizes[r]! < 2) continue;
      let c = byRoot.get(r);
      if (c === undefined) byRoot.set(r, (c = { representative: this.ids[r]!, size: sizes[r]!, members: [] }));
      if (r !== i && c.members.length < maxMembers) c.members.push(this.ids[i]!);
    }
    return { duplicates, clusters: [...byRoot.values()] };
  }

  /** Signatures in insertion order with their ids (for serialisation). */
  *entries(): Generator<[id: number, sig: Uint16Array]> {
    const n = this.params.numHashes;
    for (let i = 0; i < this.count; i++) {
      const chunk = this.chunks[Math.floor(i / CHUNK)]!;
      const off = (i % CHUNK) * n;
      yield [this.ids[i]!, chunk.subarray(off, off + n)];
    }
  }

  private store(idx: number, id: number, sig: Uint16Array, root: number): void {
    const n = this.params.numHashes;
    if (idx % CHUNK === 0) this.chunks.push(new Uint16Array(CHUNK * n));
    this.chunks[this.chunks.length - 1]!.set(sig, (idx % CHUNK) * n);
    if (idx === this.ids.length) {
      const ids = new Float64Array(idx * 2);
      ids.set(this.ids);
      this.ids = ids;
      const roots = new Int32Array(idx * 2);
      roots.set(this.roots);
      this.roots = roots;
    }
    this.ids[idx] = id;
    this.roots[idx] = root;
    this.count = idx + 1;
  }
}

/**
 * Creates a near-duplicate index: MinHash over word shingles (default 5-grams of lower-cased words) with LSH
 * banding (default 128 hashes = 16 bands x 8 rows); a candidate counts when its estimated Jaccard similarity is
 * >= `threshold` (default 0.8). Deterministic for a given `seed`. Memory grows with the number of texts added:
 * about 256 bytes of signature plus 16 band-table slots (12 bytes each, at most half full) per text, so roughly
 * 0.8 GB per million texts at the defaults (measured by bench/metrics).
 *
 * @example
 * const index = createNearDupIndex();
 * index.add(1, text);                 // undefined: nothing earlier
 * index.add(2, textWithOneWordChanged); // { duplicateOf: 1, nearest: 1, similarity: 0.9 }
 */
export function createNearDupIndex(options?: NearDupOptions): NearDupIndex {
  return new NearDupIndexImpl(options);
}
