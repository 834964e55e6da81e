import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { z } from 'zod';
import type { DatasetFileSchema } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { LineCounter } from './internal/line-counter.js';

/** One `provenance.datasets` entry. */
export type DatasetFile = z.infer<typeof DatasetFileSchema>;

/** A training file to describe: a path, or a path with its split. */
export type DatasetInput = string | { path: string; split?: string };

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function guessSplit(path: string): string | undefined {
  const name = basename(path).toLowerCase();
  if (/(?:^|[^a-z])(?:valid|validation|val|dev|eval)(?:[^a-z]|$)/.test(name)) return 'validation';
  if (/(?:^|[^a-z])test(?:[^a-z]|$)/.test(name)) return 'test';
  if (/(?:^|[^a-z])train(?:ing)?(?:[^a-z]|$)/.test(name)) return 'train';
  return undefined;
}

async function describeOne(input: DatasetInput): Promise<DatasetFile> {
  const path = typeof input === 'string' ? input : input.path;
  const split = typeof input === 'string' ? guessSplit(path) : (input.split ?? guessSplit(path));
  const hash = createHash('sha256');
  const counter = new LineCounter();
  let bytes = 0;
  try {
    const gzip = await isGzip(path);
    // One read of the file feeds both the hash (raw bytes) and the record count (decompressed bytes).
    const tap = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    };
    const count = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) counter.add(chunk);
    };
    if (gzip) await pipeline(createReadStream(path), tap, createGunzip(), count);
    else await pipeline(createReadStream(path), tap, count);
  } catch (cause) {
    throw new AdapterMetadataError('METADATA_READ_FAILED', `cannot read dataset ${path}: ${(cause as Error).message}`, {
      cause,
      file: path,
    });
  }
  const entry: DatasetFile = { path, sha256: hash.digest('hex'), bytes, records: counter.finish() };
  if (split !== undefined) entry.split = split;
  return entry;
}

/**
 * The `provenance.datasets` entries for training files: SHA-256 and size of the bytes on disk, and the record
 * count (non-blank JSONL lines, after decompression for gzip files; a UTF-8 BOM at the start is not content, as
 * in `readJsonl`). Each file is read once, streamed. The split is taken from the input or guessed from the file
 * name (train / validation / test). Throws `METADATA_READ_FAILED`.
 *
 * @example
 * ```ts
 * const datasets = await describeDataset(['out/train.jsonl.gz', { path: 'out/holdout.jsonl', split: 'validation' }]);
 * ```
 */
export async function describeDataset(paths: readonly DatasetInput[]): Promise<DatasetFile[]> {
  // A single path would be read character by character, each failing as a file of its own.
  if (!Array.isArray(paths)) throw new TypeError('describeDataset: expected an array of paths (or { path, split }), got ' + typeof paths);
  const entries: DatasetFile[] = [];
  // Sequential on purpose: files are usually on one disk, where parallel reads only add seeking.
  for (const input of paths) entries.push(await describeOne(input));
  return entries;
}
