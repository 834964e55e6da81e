// zstd for the export pipeline. Node 20's zlib has no zstd, so reading uses fzstd: pure JavaScript, streaming,
// no native build or downloaded binary, an optional peer dependency loaded on first use.
// Note for the writer side: fzstd only decompresses. Compression lives in ./zstd-writer.ts
// (createZstdCompressStream); whatever it uses, its output is checked by reading it back through this stream.
import { Transform } from 'node:stream';
import type * as Fzstd from 'fzstd';
import { ExportError } from '../errors.js';

type FzstdModule = typeof Fzstd;

let fzstd: Promise<FzstdModule> | undefined;

/** Loads fzstd once, or throws `EXPORT_DEPENDENCY_MISSING` naming the package to install. */
export function loadFzstd(): Promise<FzstdModule> {
  fzstd ??= import('fzstd').catch((error: unknown) => {
    fzstd = undefined;
    throw new ExportError(
      'EXPORT_DEPENDENCY_MISSING',
      'Reading zstd-compressed input needs the optional package "fzstd": npm install fzstd',
      { cause: error },
    );
  });
  return fzstd;
}

/** A Transform that decompresses a zstd stream (one or more frames) chunk by chunk, with bounded memory. */
export async function createZstdDecompressStream(): Promise<Transform> {
  const { Decompress } = await loadFzstd();
  let push: ((chunk: Uint8Array) => void) | undefined;
  // fzstd may reuse the block it hands out, so each block is copied before it leaves.
  const decoder = new Decompress((data) => {
    if (data.length > 0) push?.(Buffer.from(data));
  });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      push = (data) => this.push(data);
      try {
        decoder.push(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      push = (data) => this.push(data);
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
