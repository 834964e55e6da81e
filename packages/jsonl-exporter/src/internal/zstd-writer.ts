import { Transform, type TransformCallback } from 'node:stream';
import { ExportError } from '../errors.js';

interface ZstdWasm {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
}

let loaded: Promise<ZstdWasm> | undefined;

/** Load the optional `@bokuweb/zstd-wasm` peer once (pure WebAssembly, no download at install or run time). */
async function loadZstd(): Promise<ZstdWasm> {
  loaded ??= (async () => {
    let mod: ZstdWasm & { default?: ZstdWasm };
    try {
      mod = (await import('@bokuweb/zstd-wasm')) as ZstdWasm & { default?: ZstdWasm };
    } catch (cause) {
      throw new ExportError(
        'EXPORT_DEPENDENCY_MISSING',
        'output.compression "zstd" needs the optional package @bokuweb/zstd-wasm: npm install @bokuweb/zstd-wasm',
        { cause },
      );
    }
    const zstd = typeof mod.compress === 'function' ? mod : (mod.default as ZstdWasm);
    await zstd.init();
    return zstd;
  })();
  try {
    return await loaded;
  } catch (error) {
    loaded = undefined;
    throw error;
  }
}

// Each 1 MiB of input becomes one zstd frame. Concatenated frames are one valid zstd stream (RFC 8878 §3.1), so
// memory stays bounded without a streaming binding, at a ratio close to one-shot compression of the whole file.
const FRAME_BYTES = 1 << 20;
const LEVEL = 3;
// A frame of no content (RFC 8878 §3.1.1: magic number, a single-segment header with content size 0, one empty
// last raw block), which `zstd -t` accepts. The binding refuses to compress 0 bytes.
const EMPTY_FRAME = [0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00];

class ZstdFrameStream extends Transform {
  private pending: Buffer[] = [];
  private size = 0;
  /** Whether a frame was written: a stream with none ends with an empty one. */
  private framed = false;

  constructor(private readonly zstd: ZstdWasm) {
    super();
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.pending.push(buf);
    this.size += buf.length;
    if (this.size >= FRAME_BYTES) this.frame();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    // A file with no lines still gets one (empty) frame: zero bytes are no zstd stream, and `zstd -t` or a
    // trainer's reader fails on them (gzip's empty file has its header too).
    if (this.size > 0) this.frame();
    else if (!this.framed) this.push(Buffer.from(EMPTY_FRAME));
    cb();
  }

  private frame(): void {
    const input = Buffer.concat(this.pending, this.size);
    this.pending = [];
    this.size = 0;
    this.framed = true;
    this.push(Buffer.from(this.zstd.compress(input, LEVEL)));
  }
}

/** A Transform that compresses to zstd, loading the optional peer on first use. */
export async function createZstdCompressStream(): Promise<Transform> {
  return new ZstdFrameStream(await loadZstd());
}
