import { readFile, rename, rm, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { unitHash } from './hash.js';
import { COMPRESSION_EXT, FileWriter, type Compression, type WrittenFile } from './file-writer.js';

/** How one split is written. */
export interface SplitOutputOptions {
  dir: string;
  split: string;
  compression: Compression;
  maxRecords: number | undefined;
  maxBytes: number | undefined;
  /** Shuffle with this seed through this many temp buckets. */
  shuffle: { seed: number; buckets: number } | undefined;
}

const KEY_WIDTH = 14;

/**
 * Writes one split: sharded by records or bytes, optionally shuffled.
 *
 * Shuffling keeps memory bounded: each line goes to one of `buckets` temp files chosen by a seeded hash of its id,
 * prefixed with that hash; at the end each bucket is read alone, sorted by the hash and written out. The result is
 * ordered by the hash, a seeded permutation that does not depend on input order, and at most one bucket
 * (about output size / buckets) is ever in memory.
 */
export class SplitOutput {
  private readonly opts: SplitOutputOptions;
  private readonly sharded: boolean;
  private readonly shards: WrittenFile[] = [];
  private current: FileWriter | undefined;
  private readonly buckets: FileWriter[] = [];
  private records = 0;

  constructor(opts: SplitOutputOptions) {
    this.opts = opts;
    this.sharded = opts.maxRecords !== undefined || opts.maxBytes !== undefined;
  }

  /** Number of records accepted. */
  get count(): number {
    return this.records;
  }

  /** Append one line of record `id`; returns a promise only when it had to wait (see FileWriter.write). */
  add(line: string, id: string): Promise<void> | undefined {
    this.records++;
    const shuffle = this.opts.shuffle;
    if (!shuffle) return this.emit(line);
    const u = unitHash(shuffle.seed, id);
    const b = Math.floor(u * shuffle.buckets);
    const keyed = `${Math.floor(u * 2 ** 52).toString(16).padStart(KEY_WIDTH, '0')}${line}`;
    const bucket = this.buckets[b];
    return bucket ? bucket.write(keyed) : this.openBucket(b, keyed);
  }

  private async openBucket(b: number, keyed: string): Promise<void> {
    await mkdir(this.bucketDir(), { recursive: true });
    const bucket = await FileWriter.open(join(this.bucketDir(), `${b}.txt`), 'none');
    this.buckets[b] = bucket;
    await bucket.write(keyed);
  }

  private bucketDir(): string {
    return join(this.opts.dir, `.shuffle-${this.opts.split}`);
  }

  private emit(line: string): Promise<void> | undefined {
    const { maxRecords, maxBytes } = this.opts;
    const writer = this.current;
    if (
      writer === undefined ||
      (maxRecords !== undefined && writer.records >= maxRecords) ||
      (maxBytes !== undefined && writer.rawBytes > 0 && writer.rawBytes + Buffer.byteLength(line) + 1 > maxBytes)
    ) {
      return this.nextShard(line);
    }
    return writer.write(line);
  }

  private async nextShard(line: string): Promise<void> {
    if (this.current) this.shards.push(await this.current.close());
    const path = join(this.opts.dir, `.${this.opts.split}-${this.shards.length}.part`);
    this.current = await FileWriter.open(path, this.opts.compression, this.opts.maxBytes !== undefined);
    await this.current.write(line);
  }

  /** Write shuffled buckets out, close every shard and give them their final names. */
  async finish(): Promise<WrittenFile[]> {
    if (this.opts.shuffle) {
      const bucketFiles: string[] = [];
      for (const bucket of this.buckets) if (bucket) bucketFiles.push((await bucket.close()).path);
      // Bucket file names are their index; sort numerically so hash order is kept across buckets.
      bucketFiles.sort((a, b) => bucketIndex(a) - bucketIndex(b));
      for (const file of bucketFiles) {
        const lines = (await readFile(file, 'utf8')).split('\n');
        lines.pop();
        lines.sort();
        for (const keyed of lines) await this.emit(keyed.slice(KEY_WIDTH));
        await rm(file);
      }
      await rm(this.bucketDir(), { recursive: true, force: true });
    }
    if (!this.current) {
      this.current = await FileWriter.open(join(this.opts.dir, `.${this.opts.split}-0.part`), this.opts.compression);
    }
    this.shards.push(await this.current.close());
    this.current = undefined;
    const ext = COMPRESSION_EXT[this.opts.compression];
    const total = this.shards.length;
    const out: WrittenFile[] = [];
    for (let i = 0; i < total; i++) {
      const shard = this.shards[i] as WrittenFile;
      const name = this.sharded
        ? `${this.opts.split}-${pad(i)}-of-${pad(total)}${ext}`
        : `${this.opts.split}${ext}`;
      const path = join(this.opts.dir, name);
      await rename(shard.path, path);
      out.push({ ...shard, path });
    }
    return out;
  }

  /** Abandon the split after a failure (the temp directory is removed by the caller). */
  async destroy(): Promise<void> {
    await this.current?.destroy();
    for (const bucket of this.buckets) await bucket?.destroy();
  }
}

function pad(n: number): string {
  return String(n).padStart(5, '0');
}

function bucketIndex(path: string): number {
  return Number.parseInt(basename(path), 10);
}
