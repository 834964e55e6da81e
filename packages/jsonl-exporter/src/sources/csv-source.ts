import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { CsvError, Info } from 'csv-parse';
import { ExportError } from '../errors.js';
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

/** The line number csv-parse puts in its messages (`... on line 5`, `... at line 5`). */
const CSV_PARSE_LINE = / (?:on|at) line \d+/;

const NOT_UTF8_HINT = 'the file may be Latin-1 or Windows-1252: convert it to UTF-8 (iconv -f latin1 -t utf-8)';

/**
 * Pushes the stream offset (`at` + index) of each line of `bytes` that is not UTF-8, found by isUtf8 line by line
 * (CR and LF bytes are never part of a longer UTF-8 sequence; a file may end its lines with CR alone). A line's
 * start is enough: the record holding the bad bytes ends after it, the records before it end before it.
 */
function findInvalidUtf8(bytes: Uint8Array, at: number, into: number[]): void {
  for (let start = 0; start < bytes.length; ) {
    let end = start;
    while (end < bytes.length && bytes[end] !== LF && bytes[end] !== CR) end++;
    if (!isUtf8(bytes.subarray(start, end))) into.push(at + start);
    start = end + 1;
  }
}

/** How many bytes at the end of `bytes` begin a character that the next chunk completes. */
function cutCharacter(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back] as number;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) return back < (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2) ? back : 0;
  }
  return 0;
}

/** The first name `names` holds twice, with both 1-based positions. */
function findDuplicate(names: readonly string[]): { name: string; first: number; second: number } | undefined {
  const seen = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    const first = seen.get(name);
    if (first !== undefined) return { name, first, second: i + 1 };
    seen.set(name, i + 1);
  }
  return undefined;
}

/**
 * Checks the column names a header gives: a name given twice would make csv-parse keep only the last of the
 * columns, silently. One empty name stays allowed: pandas writes its index column without one.
 */
function checkHeader(prefix: string, names: readonly string[]): void {
  const dup = findDuplicate(names);
  if (dup === undefined) return;
  const message =
    dup.name === ''
      ? `the header leaves columns ${dup.first} and ${dup.second} without a name: name them, or set source.columns`
      : `the header names column ${JSON.stringify(dup.name)} twice (columns ${dup.first} and ${dup.second}): rename one, or set source.columns`;
  throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${prefix}: ${message}`);
}

/**
 * Items of a CSV byte stream (csv-parse), refs `<prefix>:<line>` with the physical line a record starts on. Rows
 * that cannot be read (wrong field count, broken quotes) become items with a `parse` issue, and rows with bytes that
 * are not UTF-8 items with an `invalid_utf8` issue; reading goes on. A header naming a column twice, or not in UTF-8,
 * fails the pass.
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
  // Named twice is refused by the config schema.
  const names = options.columns;
  // csv-parse decodes each field with U+FFFD for bytes that are not UTF-8, which cannot be told apart from a U+FFFD
  // in the file; so the bytes are checked as they pass, and `bad` keeps the stream offsets of invalid ones until
  // the record they are in is parsed. A chunk that is UTF-8 as a whole, the usual case, costs one isUtf8 call.
  const bad: number[] = [];
  let badSeen = 0;
  let offset = 0;
  let cut: Buffer | undefined;
  // csv-parse reads a file starting with a UTF-16LE byte order mark as UTF-16.
  let utf16 = false;
  const checkChunk = (chunk: Buffer) => {
    let bytes = chunk;
    let start = offset;
    offset += chunk.length;
    if (cut !== undefined) {
      bytes = Buffer.concat([cut, chunk]);
      start -= cut.length;
      cut = undefined;
    }
    if (start === 0 && bytes.length < 2) {
      cut = bytes;
      return;
    }
    if (start === 0 && bytes[0] === 0xff && bytes[1] === 0xfe) utf16 = true;
    // csv-parse reads no big-endian UTF-16: said as such, not as the Latin-1 its bytes would be taken for.
    if (start === 0 && bytes[0] === 0xfe && bytes[1] === 0xff) {
      const message = `${prefix}: the file is UTF-16BE (big-endian byte order mark), which is not read: convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)`;
      stream.destroy();
      parser.destroy(new ExportError('EXPORT_SOURCE_UNREADABLE', message));
      return;
    }
    if (utf16) return;
    const tail = cutCharacter(bytes);
    if (tail > 0) {
      cut = bytes.subarray(bytes.length - tail);
      bytes = bytes.subarray(0, bytes.length - tail);
    }
    if (!isUtf8(bytes)) findInvalidUtf8(bytes, start, bad);
  };
  // True if bytes that are not UTF-8 lie before `end` (csv-parse's `info.bytes`), which are then forgotten.
  const badBefore = (end: number) => {
    if (badSeen === bad.length || (bad[badSeen] as number) >= end) return false;
    while (badSeen < bad.length && (bad[badSeen] as number) < end) badSeen++;
    if (badSeen === bad.length) bad.length = badSeen = 0;
    return true;
  };
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
    // No CSV is delimited by a backslash and a t: that is a tab written where no escape is read (a flag, a
    // single-quoted YAML string).
    delimiter: options.delimiter === '\\t' ? '\t' : options.delimiter,
    quote: options.quote,
    escape: options.escape,
    columns: options.header
      ? names !== undefined
        ? () => names
        : (header: string[]) => {
          // Invalid bytes before the header's end that show in no name were on comment lines before it.
          const column = badBefore(parser.info.bytes) ? header.findIndex((name) => name.includes('\uFFFD')) : -1;
          if (column !== -1) {
            const message = `the header is not valid UTF-8 (column ${column + 1}); ${NOT_UTF8_HINT}`;
            throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${prefix}: ${message}`);
          }
          checkHeader(prefix, header);
          return header;
        }
      : (names ?? true),
    comment: options.comment ?? '',
    comment_no_infix: true,
    trim: options.trim,
    // Short rows only: csv-parse drops the fields of a long row past the last column, which would lose them unseen.
    relax_column_count_less: options.relax_column_count,
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
      if (bad.length > 0 && badBefore(info.bytes)) {
        // Invalid bytes in no value were on comment or skipped lines before this record.
        const columns: string[] = [];
        for (const key in record) {
          const value = record[key];
          if (typeof value === 'string' && value.includes('\uFFFD')) columns.push(JSON.stringify(key));
        }
        if (columns.length > 0) {
          const where = columns.length === 1 ? `column ${columns[0]}` : `columns ${columns.join(', ')}`;
          const message = `row is not valid UTF-8 (${where}); ${NOT_UTF8_HINT}`;
          skipped.push({ ref: `${prefix}:${line}`, line, issue: { code: 'invalid_utf8', path: '', line, message } });
          return undefined;
        }
      }
      return { record, line };
    },
    on_skip: (error: CsvError | undefined) => {
      if (error === undefined) return undefined;
      const { info } = parser;
      if (info.lines === skippedAt) return undefined;
      skippedAt = info.lines;
      // A row that cannot be parsed is a `parse` issue, whatever its encoding.
      badBefore(info.bytes);
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
      // csv-parse's own "at line N" counts a CRLF inside quotes as two lines: the item's line is the row's.
      const message = error.message.replace(CSV_PARSE_LINE, '');
      skipped.push({ ref: `${prefix}:${line}`, line, issue: { code: 'parse', path: '', line, message } });
      return undefined;
    },
  });
  // csv-parse counts the end of input after a final line break as one more empty line; a file's trailing newline is
  // no blank line.
  // The input's last character (UTF-16LE: its two last bytes, low byte first), and the byte before the last.
  let lastChar = -1;
  let prevByte = -1;
  // Registered before the pipe below, so that each chunk is checked before csv-parse gets it.
  stream.on('data', (chunk: Buffer | string) => {
    checkChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (chunk.length === 0) return;
    if (typeof chunk === 'string') {
      lastChar = chunk.charCodeAt(chunk.length - 1);
      return;
    }
    const last = chunk[chunk.length - 1] as number;
    const before = chunk.length > 1 ? (chunk[chunk.length - 2] as number) : prevByte;
    prevByte = last;
    lastChar = utf16 ? (last === 0 ? before : -1) : last;
  });
  stream.on('end', () => {
    if (cut !== undefined && !utf16 && !isUtf8(cut)) findInvalidUtf8(cut, offset - cut.length, bad);
  });
  const blankLines = (done: boolean) =>
    Math.max(0, parser.info.empty_lines - (done && !unclosedQuote && (lastChar === LF || lastChar === CR) ? 1 : 0));
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
