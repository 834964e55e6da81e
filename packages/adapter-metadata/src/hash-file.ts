import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AdapterMetadataError } from './errors.js';

/**
 * SHA-256 of a file's bytes as 64 lowercase hex digits, streamed (constant memory at any file size).
 * Throws `METADATA_READ_FAILED`.
 *
 * @example
 * ```ts
 * const sha256 = await hashFile('data/train.jsonl');
 * ```
 */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(path), hash);
  } catch (cause) {
    throw new AdapterMetadataError('METADATA_READ_FAILED', `cannot hash ${path}: ${(cause as Error).message}`, {
      cause,
      file: path,
    });
  }
  return hash.digest('hex');
}
