import type { Readable } from 'node:stream';
import type { CsvError, Info } from 'csv-parse';
import type { SourceItem, SourceStats } from './source.js';

/** The CSV settings of a source config. */
export interface CsvReadOptions {
  delimiter: string;
  quote: string;
  escape: string;
  header: boolean;
  columns?: string[] | undefined;
  comment?: string | undefined;
  trim: boolean;
  relax_column_count: boolean;
}

function countNewlines(record: Record<string, unknown>): number {
  let n = 0;
  for (const key in record) {
    const value = record[key];
    if (typeof value !== 'string') continue;
    for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) n++;
  }
  return n;
}

/**
 * Items of a CSV byte stream (csv-parse), refs `<prefix>:<line>` with the physical line a record starts on. Rows
 * that cannot be read (wrong field count, broken quotes) become items with a `parse` issue; reading goes on.
 */
export async function* csvItems(
  stream: Readable,
  prefix: string,
  options: CsvReadOptions,
  stats: SourceStats,
  raw?: { bytesRead: number },
): AsyncGenerator<SourceItem, void, undefined> {
  // Loaded here, not at import: an export of any other source does not pay for the CSV parser (~15 ms).
  const { parse } = await import('csv-parse');
  const skipped: SourceItem[] = [];
  const names = options.columns;
  const parser = parse({
    delimiter: options.delimiter,
    quote: options.quote,
    escape: options.escape,
    columns: options.header ? (names === undefined ? true : () => names) : (names ?? true),
    comment: options.comment ?? '',
    comment_no_infix: true,
    trim: options.trim,
    relax_column_count: options.relax_column_count,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (error: CsvError | undefined) => {
      if (error === undefined) return undefined;
      const line = typeof error['lines'] === 'number' ? error['lines'] : 0;
      skipped.push({ ref: `${prefix}:${line}`, line, issue: { code: 'parse', path: '', line, message: error.message } });
      return undefined;
    },
  });
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  try {
    for await (const entry of parser as AsyncIterable<{ record: Record<string, unknown>; info: Info }>) {
      const { record, info } = entry;
      const line = info.lines - countNewlines(record);
      // Rows skipped for errors were parsed before this record: hand them out first, in input order.
      while (skipped.length > 0 && (skipped[0]?.line ?? 0) < line) yield skipped.shift() as SourceItem;
      if (raw !== undefined) stats.bytesRead = raw.bytesRead;
      stats.blankLines = parser.info.empty_lines;
      yield { ref: `${prefix}:${line}`, line, record };
    }
    while (skipped.length > 0) yield skipped.shift() as SourceItem;
    stats.blankLines = parser.info.empty_lines;
    if (raw !== undefined) stats.bytesRead = raw.bytesRead;
  } finally {
    stream.unpipe(parser);
    parser.destroy();
    stream.destroy();
  }
}
