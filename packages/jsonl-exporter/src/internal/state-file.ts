import { FileSink } from './file-writer.js';

const SLICE_CHARS = 1 << 16;

/** A written accumulator state file: what the manifest lists. */
export interface WrittenState {
  bytes: number;
  sha256: string;
}

/**
 * Writes the JSON text of an accumulator state (the accumulator's `toJSONChunks()`) and a newline to a new file,
 * synced, with its size and SHA-256. The chunks are written as they come, a large one in slices, through the
 * output files' reused write buffers, so the state's text is never whole in memory: at a million samples its tables
 * are tens of MB of base64 each, and one text of them all plus its UTF-8 copy raised the export's peak RSS at its very
 * end by ~100 MB, and a Buffer per slice still ~30 MB (measured). The export's temp directory makes the file atomic.
 */
export async function writeStateFile(path: string, chunks: Iterable<string>): Promise<WrittenState> {
  const sink = await FileSink.open(path);
  const put = async (text: string) => {
    // A slice never ends between the halves of a surrogate pair (each half alone would be written as U+FFFD).
    for (let at = 0; at < text.length; ) {
      let end = Math.min(text.length, at + SLICE_CHARS);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      await sink.write(at === 0 && end === text.length ? text : text.slice(at, end));
      at = end;
    }
  };
  try {
    for (const chunk of chunks) await put(chunk);
    await put('\n');
  } catch (error) {
    await sink.destroy();
    throw error;
  }
  return sink.close();
}
