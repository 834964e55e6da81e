import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ExportError } from '../errors.js';
import { createZstdCompressStream } from './zstd-writer.js';

/** Compression of written files. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** File extension of each compression: the extension always matches the bytes. */
export const COMPRESSION_EXT: Record<Compression, string> = { none: '.jsonl', gzip: '.jsonl.gz', zstd: '.jsonl.zst' };

// Lines are gathered into chunks of this size before they enter the stream: one write per line would cost more in
// stream bookkeeping than the JSON work itself.
const CHUNK_CHARS = 1 << 16;

class HashTap extends Transform {
  bytes = 0;
  constructor(private readonly hash: Hash) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** What was written to one file. */
export interface WrittenFile {
  path: string;
  bytes: number;
  records: number;
  sha256: string;
}

/**
 * Writes JSONL lines to one file, compressed as asked, hashing the bytes as they go out and fsyncing before close.
 * Backpressure: `write` resolves only once the stream accepted the chunk.
 */
export class FileWriter {
  records = 0;
  /** Uncompressed bytes accepted so far, when tracked (shard size decisions use these). */
  rawBytes = 0;
  private buffer = '';
  private readonly input = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly hash = createHash('sha256');
  private readonly tap = new HashTap(this.hash);
  private readonly done: Promise<void>;
  private failure: unknown;

  private constructor(
    readonly path: string,
    compressor: Transform | undefined,
    private readonly trackBytes: boolean,
  ) {
    const out = createWriteStream(path, { flags: 'wx', flush: true });
    const stages = compressor ? [this.input, compressor, this.tap, out] : [this.input, this.tap, out];
    this.done = (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
    this.done.catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Open a new file (it must not exist); `trackBytes` counts uncompressed bytes in `rawBytes` (for shard sizes). */
  static async open(path: string, compression: Compression, trackBytes = false): Promise<FileWriter> {
    let compressor: Transform | undefined;
    if (compression === 'gzip') compressor = createGzip();
    else if (compression === 'zstd') compressor = await createZstdCompressStream();
    return new FileWriter(path, compressor, trackBytes);
  }

  /**
   * Append one line (without its newline). Returns a promise only when the chunk was handed to the stream, so the
   * per-line path allocates no promise.
   */
  write(line: string): Promise<void> | undefined {
    this.buffer += line;
    this.buffer += '\n';
    this.records++;
    if (this.trackBytes) this.rawBytes += Buffer.byteLength(line) + 1;
    return this.buffer.length >= CHUNK_CHARS ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.writeError(this.failure);
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.input.write(chunk)) {
      try {
        // `done` rejects when any stage of the pipeline fails, so a dead disk cannot leave us waiting for 'drain'.
        await Promise.race([once(this.input, 'drain'), this.done]);
      } catch (error) {
        throw this.writeError(error);
      }
    }
  }

  /** Flush, compress the tail, fsync and close. */
  async close(): Promise<WrittenFile> {
    await this.flush();
    this.input.end();
    try {
      await this.done;
    } catch (error) {
      throw this.writeError(error);
    }
    return { path: this.path, bytes: this.tap.bytes, records: this.records, sha256: this.hash.digest('hex') };
  }

  /** Stop writing after a failure elsewhere; the caller removes the file. */
  async destroy(): Promise<void> {
    this.input.destroy();
    await this.done.catch(() => undefined);
  }

  private writeError(cause: unknown): ExportError {
    if (cause instanceof ExportError) return cause;
    return new ExportError('EXPORT_WRITE_FAILED', `cannot write ${this.path}: ${(cause as Error).message}`, { cause });
  }
}
