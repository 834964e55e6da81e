import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
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

/** Where a {@link FileWriter}'s chunks go: hashed and counted as the bytes that reach the file. */
interface ByteSink {
  /** Resolves once the chunk may be followed by the next (the sink took it, or has room). */
  write(chunk: string): Promise<void>;
  /** The last chunk was written: finish, fsync and close. */
  close(): Promise<{ bytes: number; sha256: string }>;
  destroy(): Promise<void>;
}

/**
 * Bytes of a standard write buffer: a chunk is flushed once it reaches CHUNK_CHARS, so one holding lines shorter
 * than that is under twice as long, and a UTF-16 unit is at most 3 UTF-8 bytes.
 */
const BUFFER_BYTES = 6 * CHUNK_CHARS;
/**
 * Write buffers of finished writes, shared by every file of the thread: a handful, however many files are open (a
 * shuffled export holds up to 4096 bucket files; a buffer of its own each held up to 800 MB).
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 4;

function takeBuffer(bytes: number): Buffer {
  if (bytes <= BUFFER_BYTES) return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES);
  // A chunk holding a longer line: a buffer of its own, not kept.
  return Buffer.allocUnsafeSlow(bytes);
}

function giveBack(buf: Buffer): void {
  if (buf.length === BUFFER_BYTES && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buf);
}

/**
 * Uncompressed output, written with reused buffers: each chunk is encoded into one, hashed, and written while the
 * next chunk's lines gather; the buffer goes back once the write finished. A stream turned every chunk into a new
 * Buffer, and those waited for the garbage collector: tens of MB of the export's peak RSS (measured: main-thread
 * array buffers swung between 20 and 100 MB).
 */
export class FileSink implements ByteSink {
  private writing: Promise<void> | undefined;
  private bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly file: FileHandle) {}

  /** A sink for a new file (it must not exist). */
  static async open(path: string): Promise<FileSink> {
    return new FileSink(await open(path, 'wx'));
  }

  /** Callers await each write before the next (FileWriter does): writes to one file go out in order. */
  async write(chunk: string): Promise<void> {
    await this.writing;
    const buf = takeBuffer(3 * chunk.length);
    const n = buf.write(chunk, 0, 'utf8');
    const bytes = buf.subarray(0, n);
    this.hash.update(bytes);
    this.bytes += n;
    this.writing = writeAll(this.file, bytes).finally(() => giveBack(buf));
    // Its failure surfaces at the next write or at close, not as an unhandled rejection meanwhile.
    this.writing.catch(() => undefined);
  }

  async close(): Promise<{ bytes: number; sha256: string }> {
    try {
      await this.writing;
      await this.file.sync();
    } finally {
      await this.file.close();
    }
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  async destroy(): Promise<void> {
    await this.writing?.catch(() => undefined);
    await this.file.close().catch(() => undefined);
  }
}

/** Writes all of `bytes` at the file's position (a write may take fewer). */
async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await file.write(bytes, at, bytes.length - at)).bytesWritten;
}

/** Compressed output: a stream through the compressor, hashed after it. */
class StreamSink implements ByteSink {
  private readonly input = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly hash = createHash('sha256');
  private readonly tap = new HashTap(this.hash);
  private readonly done: Promise<void>;
  private failure: unknown;

  constructor(path: string, compressor: Transform) {
    const out = createWriteStream(path, { flags: 'wx', flush: true });
    this.done = (pipeline as (...s: unknown[]) => Promise<void>)(this.input, compressor, this.tap, out);
    this.done.catch((error: unknown) => {
      this.failure = error;
    });
  }

  async write(chunk: string): Promise<void> {
    // Nothing more goes into a pipeline that failed (its streams are destroyed).
    if (this.failure) throw this.failure;
    // `done` rejects when any stage of the pipeline fails, so a dead disk cannot leave us waiting for 'drain'.
    if (!this.input.write(chunk)) await Promise.race([once(this.input, 'drain'), this.done]);
  }

  async close(): Promise<{ bytes: number; sha256: string }> {
    this.input.end();
    await this.done;
    return { bytes: this.tap.bytes, sha256: this.hash.digest('hex') };
  }

  async destroy(): Promise<void> {
    this.input.destroy();
    await this.done.catch(() => undefined);
  }
}

/**
 * Writes JSONL lines to one file, compressed as asked, hashing the bytes as they go out and fsyncing before close.
 * Backpressure: `write` resolves only once the file took the chunk (or has room for it).
 */
export class FileWriter {
  records = 0;
  /** Uncompressed bytes accepted so far, when tracked (shard size decisions use these). */
  rawBytes = 0;
  private buffer = '';
  private failure: unknown;

  private constructor(
    readonly path: string,
    private readonly out: ByteSink,
    private readonly trackBytes: boolean,
  ) {}

  /** Open a new file (it must not exist); `trackBytes` counts uncompressed bytes in `rawBytes` (for shard sizes). */
  static async open(path: string, compression: Compression, trackBytes = false): Promise<FileWriter> {
    let out: ByteSink;
    try {
      if (compression === 'gzip') out = new StreamSink(path, createGzip());
      else if (compression === 'zstd') out = new StreamSink(path, await createZstdCompressStream());
      else out = await FileSink.open(path);
    } catch (error) {
      if (error instanceof ExportError) throw error;
      throw new ExportError('EXPORT_WRITE_FAILED', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
    }
    return new FileWriter(path, out, trackBytes);
  }

  /**
   * Append one line (without its newline). Returns a promise only when the chunk was handed to the file, so the
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
    try {
      await this.out.write(chunk);
    } catch (error) {
      this.failure = error;
      throw this.writeError(error);
    }
  }

  /** Flush, compress the tail, fsync and close. */
  async close(): Promise<WrittenFile> {
    await this.flush();
    try {
      const { bytes, sha256 } = await this.out.close();
      return { path: this.path, bytes, records: this.records, sha256 };
    } catch (error) {
      throw this.writeError(error);
    }
  }

  /** Stop writing after a failure elsewhere; the caller removes the file. */
  async destroy(): Promise<void> {
    await this.out.destroy();
  }

  private writeError(cause: unknown): ExportError {
    if (cause instanceof ExportError) return cause;
    return new ExportError('EXPORT_WRITE_FAILED', `cannot write ${this.path}: ${(cause as Error).message}`, { cause });
  }
}
