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

const CR = 13;
const LF = 10;

/** Line breaks inside the values of one record, as csv-parse counts them and as they are. */
interface Breaks {
  /** CR and LF characters: csv-parse counts each as a line, so a CRLF inside a quoted field counts twice. */
  chars: number;
  /** CRLF pairs among them: each is one physical line break. */
  pairs: number;
}

function countBreaks(record: Record<string, unknown> | readonly unknown[], into: Breaks): void {
  into.chars = 0;
  into.pairs = 0;
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    if (typeof value !== 'string') continue;
    for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) {
      into.chars++;
      if (i > 0 && value.charCodeAt(i - 1) === CR) into.pairs++;
    }
    for (let i = value.indexOf('\r'); i !== -1; i = value.indexOf('\r', i + 1)) into.chars++;
  }
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
  // The physical line each record starts on, tracked in parse order (on_record and on_skip run as the parser goes,
  // ahead of this generator). csv-parse's `info.lines` is where a record ends, and counts a CRLF inside a quoted
  // field as two lines, which shifts every later record: `drift` is that excess so far.
  const breaks: Breaks = { chars: 0, pairs: 0 };
  let drift = 0;
  // Where the previous record (or the header) ended, and the blank and comment lines counted by then: a row
  // skipped for an error starts on the next line that is neither.
  let lastEnd = options.header ? 1 : 0;
  let emptyAt = 0;
  let commentAt = 0;
  let unclosedQuote = false;
  // csv-parse calls on_skip once per error, and a row can have several (one per stray quote): the line the last
  // skip was reported at, so one row gives one skipped item. A record in between resets it.
  let skippedAt = -1;
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
    on_record: (record: Record<string, unknown>, info: Info) => {
      countBreaks(record, breaks);
      const line = info.lines - drift - breaks.chars;
      drift += breaks.pairs;
      lastEnd = line + breaks.chars - breaks.pairs;
      emptyAt = info.empty_lines;
      commentAt = info.comment_lines;
      skippedAt = -1;
      return { record, line };
    },
    on_skip: (error: CsvError | undefined) => {
      if (error === undefined) return undefined;
      const { info } = parser;
      if (info.lines === skippedAt) return undefined;
      skippedAt = info.lines;
      const line = lastEnd + 1 + (info.empty_lines - emptyAt) + (info.comment_lines - commentAt);
      if (error.code === 'CSV_QUOTE_NOT_CLOSED') unclosedQuote = true;
      // A row skipped for its field count comes with its fields, whose CRLFs csv-parse counted twice as well.
      const fields = (error as { record?: unknown }).record;
      if (Array.isArray(fields)) countBreaks(fields, breaks);
      else breaks.chars = breaks.pairs = 0;
      lastEnd = Math.max(line + breaks.chars - breaks.pairs, info.lines - drift - breaks.pairs);
      drift += breaks.pairs;
      emptyAt = info.empty_lines;
      commentAt = info.comment_lines;
      skipped.push({ ref: `${prefix}:${line}`, line, issue: { code: 'parse', path: '', line, message: error.message } });
      return undefined;
    },
  });
  // csv-parse counts the end of input after a final line break as one more empty line; a file's trailing newline is
  // no blank line.
  let lastByte = -1;
  stream.on('data', (chunk: Buffer | string) => {
    if (chunk.length > 0) lastByte = typeof chunk === 'string' ? chunk.charCodeAt(chunk.length - 1) : (chunk[chunk.length - 1] as number);
  });
  const blankLines = (done: boolean) =>
    Math.max(0, parser.info.empty_lines - (done && !unclosedQuote && (lastByte === LF || lastByte === CR) ? 1 : 0));
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  try {
    for await (const { record, line } of parser as AsyncIterable<{ record: Record<string, unknown>; line: number }>) {
      // Rows skipped for errors were parsed before this record: hand them out first, in input order.
      while (skipped.length > 0 && (skipped[0]?.line ?? 0) < line) yield skipped.shift() as SourceItem;
      if (raw !== undefined) stats.bytesRead = raw.bytesRead;
      stats.blankLines = blankLines(false);
      yield { ref: `${prefix}:${line}`, line, record };
    }
    while (skipped.length > 0) yield skipped.shift() as SourceItem;
    stats.blankLines = blankLines(true);
    if (raw !== undefined) stats.bytesRead = raw.bytesRead;
  } finally {
    stream.unpipe(parser);
    parser.destroy();
    stream.destroy();
  }
}
