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

/** Options of {@link createNearDupIndex}: the MinHash LSH parameters and whether candidates are verified. */
export interface NearDupIndexOptions extends NearDupOptions {
  /**
   * Confirm every LSH candidate with the exact Jaccard similarity of the two texts' shingle sets (their 32-bit
   * shingle hashes, kept per indexed text: about 4 bytes per word) instead of trusting the MinHash estimate, and
   * report that exact similarity. Off, a candidate counts on its estimate alone and nothing but the signature is
   * kept. @default true
   */
  verify?: boolean;
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

/** What {@link NearDupIndex.add}, {@link NearDupIndex.find} and {@link NearDupIndex.addIfNew} report for a near duplicate. */
export interface NearDupMatch {
  /**
   * Id of the cluster's representative: the first indexed text of the cluster this one joins. Clusters are
   * transitive (A~B and B~C put C in A's cluster even when A and C are not similar), so this need not be similar
   * to the text; `nearest` is. With {@link NearDupIndex.addIfNew} alone no duplicate is indexed, every cluster has
   * one text and `duplicateOf` equals `nearest`.
   */
  duplicateOf: number;
  /** Id of the indexed text it is most similar to (ties: the earliest); often the representative itself. */
  nearest: number;
  /**
   * Jaccard similarity of the word shingles with `nearest`, in [threshold, 1]: exact when the index verifies
   * (the default), else the MinHash estimate.
   */
  similarity: number;
}

/** A MinHash LSH index that answers, per text, whether an indexed text is a near duplicate of it. */
export interface NearDupIndex {
  /**
   * Indexes a text under `id` (the caller's number, e.g. its line) and returns its near duplicate among the texts
   * indexed before, if any; the text is indexed either way and joins that text's cluster.
   * Texts without any word are not indexed and return `undefined`.
   */
  add(id: number, text: string): NearDupMatch | undefined;
  /** The match {@link add} would return for `text`, without indexing it. */
  find(text: string): NearDupMatch | undefined;
  /**
   * Indexes `text` under `id` only when no indexed text is a near duplicate of it, and returns that near
   * duplicate otherwise. For deduplication: only the texts kept are indexed, so a dropped text is never what a
   * later one is judged against.
   */
  addIfNew(id: number, text: string): NearDupMatch | undefined;
  /** Whether candidates are confirmed with their exact Jaccard similarity (see {@link NearDupIndexOptions.verify}). */
  readonly verify: boolean;
  /** Number of texts indexed. */
  readonly size: number;
  /** The parameters in force. */
  readonly params: NearDupParams;
  /** Bytes held by signatures, band tables and (when verifying) shingle hashes: the per-sample state. */
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

/** Ids are kept in a Float64Array: a string id would come back as NaN in every match. */
function checkId(id: unknown): void {
  if (typeof id !== 'number' || !Number.isFinite(id)) {
    throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `near-duplicate index: id must be a number (e.g. the line), got ${typeof id === 'string' ? JSON.stringify(id) : typeof id}`);
  }
}

/**
 * Texts compared per band key: the newest this many indexed under it. One (the first text under the key) missed a
 * third of FastChat's near duplicates, where the first text under a template's key is a sibling that is not similar.
 */
const CHAIN = 8;

/** Shingle hashes per storage segment to start with; each new segment doubles, up to {@link SEGMENT_MAX}. */
const SEGMENT_MIN = 16384;
const SEGMENT_MAX = 1 << 20;

/**
 * The index behind {@link createNearDupIndex}. Signatures are b-bit MinHash (the low 16 bits of each minimum),
 * 2 bytes per hash, so 256 bytes per text at the defaults; band keys are 64-bit hashes of a band's 16-bit values in
 * one typed-array hash table per band (a band key names the newest text indexed with it, and each text the one
 * before it: a chain, of which a probe reads the newest {@link CHAIN}). When verifying, each
 * indexed text's sorted, de-duplicated 32-bit shingle hashes are kept in shared segments (4 bytes per distinct
 * shingle, about one per word, plus 12 bytes of offsets per text) and every candidate is confirmed by merging the
 * two sorted sets. Exported for the accumulator (its merge and restore replay signatures and shingles), not publicly.
 */
export class NearDupIndexImpl implements NearDupIndex {
  readonly params: NearDupParams;
  readonly verify: boolean;
  private readonly perm: Uint32Array;
  private readonly tables: U64Table[];
  private readonly chunks: Uint16Array[] = [];
  private ids = new Float64Array(1024);
  private roots = new Int32Array(1024);
  /** Per text and band, the text indexed before it under the same band key (-1: none): a chain, newest first. */
  private next: Int32Array;
  private count = 0;
  private wordHashes = new Uint32Array(256);
  private readonly mins: Uint32Array;
  private readonly sig: Uint16Array;
  private readonly candidates: Int32Array;
  private readonly keyHi: Uint32Array;
  private readonly keyLo: Uint32Array;
  // Shingle hashes of the text last passed to signature() (sorted, distinct: the first `shingleCount`).
  private shingleBuf = new Uint32Array(256);
  private shingleCount = 0;
  // Indexed texts' shingle hashes (verify only): segment, offset and length per text.
  private readonly segments: Uint32Array[] = [];
  private segmentUsed = 0;
  private shSeg = new Int32Array(0);
  private shOff = new Int32Array(0);
  private shLen = new Int32Array(0);
  private bestSim = -1;
  // Probability that two different minima agree on their low 16 bits by chance; removed from the estimate.
  private static readonly CHANCE = 1 / 65536;

  constructor(options: NearDupIndexOptions = {}) {
    this.params = resolveNearDupParams(options);
    this.verify = options.verify ?? true;
    const { numHashes, bands, seed } = this.params;
    this.perm = new Uint32Array(numHashes);
    for (let i = 0; i < numHashes; i++) this.perm[i] = fmix32((seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
    this.tables = Array.from({ length: bands }, () => new U64Table());
    this.mins = new Uint32Array(numHashes);
    this.sig = new Uint16Array(numHashes);
    this.candidates = new Int32Array(bands * CHAIN);
    this.next = new Int32Array(1024 * bands);
    this.keyHi = new Uint32Array(bands);
    this.keyLo = new Uint32Array(bands);
    if (this.verify) {
      this.shSeg = new Int32Array(1024);
      this.shOff = new Int32Array(1024);
      this.shLen = new Int32Array(1024);
    }
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    let t = 0;
    for (const table of this.tables) t += table.bytes;
    for (const s of this.segments) t += s.byteLength;
    return (
      t +
      this.chunks.length * CHUNK * this.params.numHashes * 2 +
      this.ids.byteLength +
      this.roots.byteLength +
      this.next.byteLength +
      this.shSeg.byteLength +
      this.shOff.byteLength +
      this.shLen.byteLength
    );
  }

  /**
   * The b-bit MinHash signature of `text`, or undefined when it has no word. The returned array is reused. When
   * verifying, also leaves the text's sorted, distinct shingle hashes in the shingle buffer.
   */
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
    const keep = this.verify;
    if (keep && this.shingleBuf.length < shingles) this.shingleBuf = new Uint32Array(shingles * 2);
    const sb = this.shingleBuf;
    for (let s = 0; s < shingles; s++) {
      let x = seed >>> 0;
      for (let j = 0; j < k; j++) x = combine(x, wh[s + j]!);
      if (keep) sb[s] = x;
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
    if (keep) {
      sb.subarray(0, shingles).sort();
      let m = 1;
      for (let s = 1; s < shingles; s++) if (sb[s] !== sb[m - 1]) sb[m++] = sb[s]!;
      this.shingleCount = m;
    }
    const sig = this.sig;
    for (let i = 0; i < numHashes; i++) sig[i] = mins[i]! & 0xffff;
    return sig;
  }

  add(id: number, text: string): NearDupMatch | undefined {
    checkId(id);
    const sig = this.signature(text);
    if (sig === undefined) return undefined;
    const best = this.probe(sig);
    this.insert(id, sig, best);
    return this.match(best);
  }

  find(text: string): NearDupMatch | undefined {
    const sig = this.signature(text);
    return sig === undefined ? undefined : this.match(this.probe(sig));
  }

  addIfNew(id: number, text: string): NearDupMatch | undefined {
    checkId(id);
    const sig = this.signature(text);
    if (sig === undefined) return undefined;
    const best = this.probe(sig);
    if (best < 0) this.insert(id, sig, best);
    return this.match(best);
  }

  /**
   * Indexes a signature computed by {@link signature} (possibly elsewhere, with the same params), like `add`; an
   * index that verifies needs the text's sorted, distinct shingle hashes too, as {@link entries} gives them.
   */
  addSignature(id: number, sig: Uint16Array, shingles?: Uint32Array): NearDupMatch | undefined {
    if (this.verify) {
      if (shingles === undefined) throw new Error('addSignature: an index that verifies needs the shingles too');
      if (this.shingleBuf.length < shingles.length) this.shingleBuf = new Uint32Array(shingles.length * 2);
      this.shingleBuf.set(shingles);
      this.shingleCount = shingles.length;
    }
    const best = this.probe(sig);
    this.insert(id, sig, best);
    return this.match(best);
  }

  /**
   * The best indexed match of `sig` (and, when verifying, of the shingles left by signature()): the LSH candidate
   * with the highest similarity >= threshold, the earliest on ties; -1 if none. Leaves the band keys in
   * keyHi/keyLo for insert() and the similarity in bestSim.
   */
  private probe(sig: Uint16Array): number {
    const { bands, rows, numHashes, threshold, seed } = this.params;
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
      const hi = fmix32(h1);
      const lo = fmix32(h2 ^ h1);
      this.keyHi[b] = hi;
      this.keyLo[b] = lo;
      let existing = this.tables[b]!.get(hi, lo);
      for (let k = 0; existing >= 0 && k < CHAIN; k++, existing = this.next[existing * bands + b]!) {
        let seen = false;
        for (let c = 0; c < nCand; c++) if (cands[c] === existing) seen = true;
        if (!seen) cands[nCand++] = existing;
      }
    }
    let best = -1;
    let bestSim = -1;
    for (let c = 0; c < nCand; c++) {
      const other = cands[c]!;
      let sim: number;
      if (this.verify) {
        sim = this.exactSimilarity(other, threshold);
      } else {
        const chunk = this.chunks[Math.floor(other / CHUNK)]!;
        const off = (other % CHUNK) * numHashes;
        let same = 0;
        for (let i = 0; i < numHashes; i++) if (chunk[off + i] === sig[i]) same++;
        const chance = NearDupIndexImpl.CHANCE;
        sim = Math.max(0, (same / numHashes - chance) / (1 - chance));
      }
      if (sim >= threshold && (sim > bestSim || (sim === bestSim && other < best))) {
        best = other;
        bestSim = sim;
      }
    }
    this.bestSim = bestSim;
    return best;
  }

  /**
   * Exact Jaccard similarity of indexed text `idx`'s shingle hashes and those in the shingle buffer, or 0 when the
   * set sizes alone rule out `threshold` (J <= min size / max size).
   */
  private exactSimilarity(idx: number, threshold: number): number {
    const a = this.segments[this.shSeg[idx]!]!;
    const na = this.shLen[idx]!;
    const b = this.shingleBuf;
    const nb = this.shingleCount;
    if (Math.min(na, nb) < threshold * Math.max(na, nb)) return 0;
    let i = this.shOff[idx]!;
    const endA = i + na;
    let j = 0;
    let inter = 0;
    while (i < endA && j < nb) {
      const x = a[i]!;
      const y = b[j]!;
      if (x === y) {
        inter++;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
    return inter / (na + nb - inter);
  }

  private match(best: number): NearDupMatch | undefined {
    if (best < 0) return undefined;
    return { duplicateOf: this.ids[this.roots[best]!]!, nearest: this.ids[best]!, similarity: this.bestSim };
  }

  /** Indexes the signature probed last (and its shingles when verifying) as a member of `best`'s cluster. */
  private insert(id: number, sig: Uint16Array, best: number): void {
    const idx = this.count;
    const bands = this.params.bands;
    if ((idx + 1) * bands > this.next.length) {
      const grown = new Int32Array(this.next.length * 2);
      grown.set(this.next);
      this.next = grown;
    }
    for (let b = 0; b < bands; b++) {
      const table = this.tables[b]!;
      // The key now names this text; the text it named before is next in its chain.
      const before = table.putIfAbsent(this.keyHi[b]!, this.keyLo[b]!, idx);
      if (before >= 0) table.set(this.keyHi[b]!, this.keyLo[b]!, idx);
      this.next[idx * bands + b] = before;
    }
    this.store(idx, id, sig, best >= 0 ? this.roots[best]! : idx);
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

  /** Signatures in insertion order with their ids and, when verifying, their shingle hashes (for serialisation). */
  *entries(): Generator<[id: number, sig: Uint16Array, shingles: Uint32Array | undefined]> {
    const n = this.params.numHashes;
    for (let i = 0; i < this.count; i++) {
      const chunk = this.chunks[Math.floor(i / CHUNK)]!;
      const off = (i % CHUNK) * n;
      const shingles = this.verify ? this.segments[this.shSeg[i]!]!.subarray(this.shOff[i]!, this.shOff[i]! + this.shLen[i]!) : undefined;
      yield [this.ids[i]!, chunk.subarray(off, off + n), shingles];
    }
  }

  private store(idx: number, id: number, sig: Uint16Array, root: number): void {
    const n = this.params.numHashes;
    if (idx % CHUNK === 0) this.chunks.push(new Uint16Array(CHUNK * n));
    this.chunks[this.chunks.length - 1]!.set(sig, (idx % CHUNK) * n);
    if (idx === this.ids.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(idx * 2);
        b.set(a);
        return b;
      };
      this.ids = grow(this.ids, (m) => new Float64Array(m));
      this.roots = grow(this.roots, (m) => new Int32Array(m));
      if (this.verify) {
        this.shSeg = grow(this.shSeg, (m) => new Int32Array(m));
        this.shOff = grow(this.shOff, (m) => new Int32Array(m));
        this.shLen = grow(this.shLen, (m) => new Int32Array(m));
      }
    }
    this.ids[idx] = id;
    this.roots[idx] = root;
    this.count = idx + 1;
    if (this.verify) {
      const m = this.shingleCount;
      let seg = this.segments[this.segments.length - 1];
      if (seg === undefined || this.segmentUsed + m > seg.length) {
        const next = seg === undefined ? SEGMENT_MIN : Math.min(SEGMENT_MAX, seg.length * 2);
        seg = new Uint32Array(Math.max(next, m));
        this.segments.push(seg);
        this.segmentUsed = 0;
      }
      seg.set(this.shingleBuf.subarray(0, m), this.segmentUsed);
      this.shSeg[idx] = this.segments.length - 1;
      this.shOff[idx] = this.segmentUsed;
      this.shLen[idx] = m;
      this.segmentUsed += m;
    }
  }
}

/**
 * Creates a near-duplicate index: MinHash over word shingles (default 5-grams of lower-cased words) with LSH
 * banding (default 128 hashes = 16 bands x 8 rows) to find candidates among the indexed texts. By default
 * (`verify`) each candidate is confirmed with the exact Jaccard similarity of the two shingle sets and counts when
 * that is >= `threshold` (default 0.8); the match names the most similar one and reports that exact similarity.
 * Deterministic for a given `seed`. Memory grows with the number of texts indexed: about 256 bytes of signature plus
 * 16 band-table slots (12 bytes each, at most half full) and 16 chain links (4 bytes each) per text, roughly 0.9 GB
 * per million texts at the defaults (measured by bench/metrics), and when verifying 4 bytes per word (one 32-bit hash per distinct shingle) plus
 * 12 bytes per text: another 0.4 GB per million 100-word texts. `verify: false` keeps only signatures and
 * trusts the MinHash estimate (within a few hundredths at 128 hashes).
 *
 * Use `addIfNew` to deduplicate (only kept texts are indexed), `add` to cluster everything, `find` to ask only.
 *
 * @example
 * const index = createNearDupIndex();
 * index.addIfNew(1, text);                   // undefined: nothing earlier; indexed
 * index.addIfNew(2, textWithOneWordChanged); // { duplicateOf: 1, nearest: 1, similarity: 0.9 }; not indexed
 */
export function createNearDupIndex(options?: NearDupIndexOptions): NearDupIndex {
  return new NearDupIndexImpl(options);
}
