import type { Readable } from 'node:stream';
import { readJsonl, type JsonlRecord } from '@lorakit/schema-validation';
import { isRecord, notObjectItem } from './base-source.js';
import type { SourceItem, SourceStats } from './source.js';

/** Options of the JSONL reader shared by files and stdin. */
export interface JsonlReadOptions {
  maxLineLength?: number;
}

/**
 * Items of a JSONL byte stream through schema-validation's `readJsonl` (BOM, CRLF, blank, malformed, invalid
 * UTF-8 and over-long lines handled there), refs `<prefix>:<line>`; blank lines are counted, not yielded.
 */
export async function* jsonlItems(
  stream: Readable,
  prefix: string,
  options: JsonlReadOptions,
  stats: SourceStats,
  raw?: { bytesRead: number },
): AsyncGenerator<SourceItem, void, undefined> {
  const readOptions = options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength };
  const reader = readJsonl(stream, readOptions);
  // Every non-blank line yields an entry, so the gap between two entries' lines is the blank lines between them.
  let last = 0;
  try {
    for await (const entry of reader) {
      if (raw !== undefined) stats.bytesRead = raw.bytesRead;
      const line = entry.line;
      stats.blankLines += line - last - 1;
      last = line;
      yield jsonlItem(entry, prefix);
    }
    stats.blankLines += reader.summary().lines - last;
    if (raw !== undefined) stats.bytesRead = raw.bytesRead;
  } finally {
    stream.destroy();
  }
}

/** The source item of one JSONL entry, ref `<prefix>:<line>`. */
export function jsonlItem(entry: JsonlRecord, prefix: string): SourceItem {
  const line = entry.line;
  const ref = `${prefix}:${line}`;
  const issue = entry.issues[0];
  if (issue !== undefined) return { ref, line, issue: { ...issue, line } };
  if (isRecord(entry.value)) return { ref, line, record: entry.value };
  return notObjectItem(ref, entry.value, line);
}
