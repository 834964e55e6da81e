import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, posix, resolve, sep } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ExportError } from '../errors.js';
import { createZstdDecompressStream } from '../internal/zstd.js';

/** A compression setting of a source config. */
export type CompressionSetting = 'auto' | 'none' | 'gzip' | 'zstd';

/** The compression a file name implies: `.gz` gzip, `.zst`/`.zstd` zstd. */
export function compressionOf(path: string, setting: CompressionSetting): 'none' | 'gzip' | 'zstd' {
  if (setting !== 'auto') return setting;
  const lower = path.toLowerCase();
  if (lower.endsWith('.gz')) return 'gzip';
  if (lower.endsWith('.zst') || lower.endsWith('.zstd')) return 'zstd';
  return 'none';
}

/** The compression the first bytes of a stream announce (gzip 1f 8b, zstd 28 b5 2f fd). */
export function compressionOfBytes(head: Uint8Array): 'none' | 'gzip' | 'zstd' {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** A file named in a config: where it is, and how refs name it. */
export interface InputFile {
  /** Absolute path. */
  readonly absolute: string;
  /** The path as written in the config, normalized (`./a/../data.jsonl` → `data.jsonl`), used in refs. */
  readonly name: string;
}

/** How refs name a file: the config path normalized, with forward slashes (`./a/../data.jsonl` → `data.jsonl`). */
export function refName(path: string): string {
  const slashed = path.split(sep).join('/');
  return isAbsolute(path) ? slashed : posix.normalize(slashed);
}

/** Resolves a config path against `cwd` and checks that it is a readable file. */
export async function resolveInputFile(path: string, cwd: string | undefined): Promise<InputFile> {
  const absolute = resolve(cwd ?? process.cwd(), path);
  const name = refName(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExportError(
      code === 'ENOENT' || code === 'ENOTDIR' ? 'EXPORT_SOURCE_NOT_FOUND' : 'EXPORT_SOURCE_UNREADABLE',
      code === 'ENOENT' ? `Input file not found: ${absolute}` : `Cannot read input file ${absolute}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!info.isFile()) {
    throw new ExportError(
      'EXPORT_SOURCE_UNREADABLE',
      info.isDirectory() ? `Input is a directory, not a file: ${absolute} (name one file as the source path)` : `Input is not a file: ${absolute}`,
    );
  }
  return { absolute, name };
}

/** A decompressed byte stream of a file, and the raw stream to count bytes and close. */
export interface OpenedInput {
  readonly stream: Readable;
  readonly raw: ReadStream;
}

/** Adds a decompressor in front of a byte stream; errors on either side end the returned stream. */
export async function decompress(raw: Readable, compression: 'none' | 'gzip' | 'zstd'): Promise<Readable> {
  if (compression === 'none') return raw;
  const decoder = compression === 'gzip' ? createGunzip() : await createZstdDecompressStream();
  raw.on('error', (error) => decoder.destroy(error));
  decoder.on('close', () => raw.destroy());
  return raw.pipe(decoder);
}

/** Opens a file for one pass, decompressing as configured; the signal destroys both streams. */
export async function openInputFile(file: InputFile, setting: CompressionSetting, signal: AbortSignal): Promise<OpenedInput> {
  const compression = compressionOf(file.name, setting);
  const raw = createReadStream(file.absolute, { highWaterMark: 256 * 1024, signal });
  try {
    return { stream: await decompress(raw, compression), raw };
  } catch (error) {
    raw.destroy();
    throw error;
  }
}

/**
 * Sniffs stdin's first bytes for gzip/zstd when asked for `auto`, and returns the decompressed stream. The bytes
 * read to sniff are put back in front.
 */
export async function openStdin(input: NodeJS.ReadableStream, setting: CompressionSetting): Promise<Readable> {
  const source = input instanceof Readable ? input : new Readable().wrap(input);
  if (setting === 'none') return source;
  if (setting !== 'auto') return decompress(source, setting);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of source.iterator({ destroyOnReturn: false })) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer);
    length += buffer.length;
    if (length >= 4) break;
  }
  const head = Buffer.concat(chunks);
  const rest = new PassThrough();
  if (source.readableEnded) rest.end(head);
  else {
    rest.write(head);
    source.on('error', (error) => rest.destroy(error));
    source.pipe(rest);
  }
  return decompress(rest, compressionOfBytes(head));
}
