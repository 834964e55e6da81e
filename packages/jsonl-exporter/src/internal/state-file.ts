import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const SLICE_CHARS = 1 << 20;

/** A written accumulator state file: what the manifest lists. */
export interface WrittenState {
  bytes: number;
  sha256: string;
}

/**
 * Writes an accumulator state as JSON (and a newline) to a new file, synced: the bytes of
 * `JSON.stringify(state) + '\n'`, written one top-level field at a time, in slices. At a million samples the
 * state's tables are tens of MB of base64 each; one JSON text of them all and its UTF-8 copy would add ~100 MB to
 * the export's peak RSS at its very end. The export's temp directory makes the file atomic.
 */
export async function writeStateFile(path: string, state: object): Promise<WrittenState> {
  const file = await open(path, 'wx');
  const hash = createHash('sha256');
  let bytes = 0;
  const put = async (text: string) => {
    // In slices, so a field's UTF-8 copy is never whole either; a slice never ends between the halves of a
    // surrogate pair (each half alone would be written as U+FFFD).
    for (let at = 0; at < text.length; ) {
      let end = Math.min(text.length, at + SLICE_CHARS);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      const buf = Buffer.from(text.slice(at, end), 'utf8');
      hash.update(buf);
      bytes += buf.length;
      await file.write(buf);
      at = end;
    }
  };
  try {
    let sep = '{';
    for (const [key, value] of Object.entries(state)) {
      const json = JSON.stringify(value) as string | undefined;
      // As JSON.stringify does: a field without a JSON value is left out.
      if (json === undefined) continue;
      await put(`${sep}${JSON.stringify(key)}:`);
      await put(json);
      sep = ',';
    }
    await put(sep === '{' ? '{}\n' : '}\n');
    await file.sync();
  } finally {
    await file.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}
