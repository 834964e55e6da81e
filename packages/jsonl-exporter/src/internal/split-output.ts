import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExportError } from '../errors.js';
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
/** Characters of shuffled lines held before they are spilled to their bucket files (~8 MB of UTF-16). */
const SPILL_CHARS = 1 << 22;
/** Bucket files appended to at once in a spill: enough to keep libuv's four threads busy, far below any fd limit. */
const SPILL_FILES_AT_ONCE = 8;

/**
 * Writes one split: sharded by records or bytes, optionally shuffled.
 *
 * Shuffling keeps memory bounded: each line goes to one of `buckets` temp files chosen by a seeded hash of its id,
 * prefixed with that hash; at the end each bucket is read alone, sorted by the hash and written out. The result is
 * ordered by the hash, a seeded permutation that does not depend on input order. In memory: the lines not yet
 * spilled (at most {@link SPILL_CHARS} characters over all buckets, whatever their number) and, at the end, one
 * bucket (about output size / buckets). No bucket file stays open: each spill appends to it and closes it.
 */
export class SplitOutput {
  private readonly opts: SplitOutputOptions;
  private readonly sharded: boolean;
  private readonly shards: WrittenFile[] = [];
  private current: FileWriter | undefined;
  /** Shuffle: lines of each bucket not yet spilled to its file, their characters in all, and the buckets with a file. */
  private readonly pending: string[][] = [];
  private pendingChars = 0;
  private readonly spilled = new Set<number>();
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
    (this.pending[b] ??= []).push(keyed);
    this.pendingChars += keyed.length + 1;
    return this.pendingChars >= SPILL_CHARS ? this.spill() : undefined;
  }

  /** Appends every bucket's pending lines to its file, a few files at a time (each an open, a write and a close). */
  private async spill(): Promise<void> {
    await mkdir(this.bucketDir(), { recursive: true });
    const todo: number[] = [];
    for (let b = 0; b < this.pending.length; b++) if ((this.pending[b]?.length ?? 0) > 0) todo.push(b);
    const appendNext = async (): Promise<void> => {
      for (let b = todo.pop(); b !== undefined; b = todo.pop()) {
        const path = this.bucketPath(b);
        try {
          await appendFile(path, `${(this.pending[b] as string[]).join('\n')}\n`);
        } catch (error) {
          throw new ExportError('EXPORT_WRITE_FAILED', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
        }
        this.spilled.add(b);
        this.pending[b] = [];
      }
    };
    await Promise.all(Array.from({ length: SPILL_FILES_AT_ONCE }, appendNext));
    this.pendingChars = 0;
  }

  private bucketDir(): string {
    return join(this.opts.dir, `.shuffle-${this.opts.split}`);
  }

  private bucketPath(b: number): string {
    return join(this.bucketDir(), `${b}.txt`);
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
      // Bucket by bucket in index order, which is hash order; a bucket never spilled is all in memory.
      for (let b = 0; b < this.pending.length; b++) {
        let lines = this.pending[b] ?? [];
        this.pending[b] = [];
        if (this.spilled.has(b)) {
          const path = this.bucketPath(b);
          lines = [...(await readFile(path, 'utf8')).split('\n').slice(0, -1), ...lines];
          await rm(path);
        }
        lines.sort();
        for (const keyed of lines) await this.emit(keyed.slice(KEY_WIDTH));
      }
      this.pendingChars = 0;
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
    this.pending.length = 0;
  }
}

function pad(n: number): string {
  return String(n).padStart(5, '0');
}
