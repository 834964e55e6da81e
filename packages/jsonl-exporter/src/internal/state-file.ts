import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** A written accumulator state file: what the manifest lists. */
export interface WrittenState {
  bytes: number;
  sha256: string;
}

/**
 * Writes accumulator state text (and a newline) to a new file, synced, without building a second copy of a text
 * that is tens of MB at a million samples. The export's temp directory makes it atomic.
 */
export async function writeStateFile(path: string, text: string): Promise<WrittenState> {
  const file = await open(path, 'wx');
  try {
    await file.write(text);
    await file.write('\n');
    await file.sync();
  } finally {
    await file.close();
  }
  return { bytes: Buffer.byteLength(text) + 1, sha256: createHash('sha256').update(text).update('\n').digest('hex') };
}
