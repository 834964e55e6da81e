import { Buffer, isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { SchemaValidationError } from './errors.js';
import type { Issue } from './issue.js';
import type { Validator } from './compile-schema.js';
import { findUnsafeNumbers, mayHoldUnsafeNumber } from './find-unsafe-numbers.js';
import { isStackOverflow } from './internal/stack-overflow.js';

/**
 * Where JSONL comes from: a file path (`string` or `file:` URL), a Node readable stream, or an (async) iterable
 * of string / `Uint8Array` chunks. A `string` is always a path, never the content.
 */
export type JsonlSource = string | URL | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Options of {@link readJsonl} and {@link validateJsonl}. */
export interface ReadJsonlOptions {
  /**
   * Longest line kept, in bytes (newline excluded). A longer line is skipped without being buffered and reported
   * as a `line_too_long` issue, so memory stays bounded by this figure whatever the input.
   * @default 67108864 (64 MiB)
   */
  maxLineLength?: number;
  /**
   * Line number of the input's first line, for reading a slice of a larger file that starts at a line boundary
   * (parallel readers): lines are numbered from it, and a byte-order mark is only recognised when it is 1.
   * @default 1
   */
  firstLine?: number;
}

/** One non-blank line of JSONL. */
export interface JsonlRecord {
  /** 1-based physical line number in the input (blank lines count). */
  line: number;
  /** The parsed JSON value; absent when the line could not be read or parsed. */
  value?: unknown;
  /** Problems with this line; empty when it is valid. Each issue carries `line`. */
  issues: Issue[];
}

/** Counts over a whole JSONL input, available once iteration has ended. */
export interface JsonlSummary {
  /** Physical lines read, blank ones included (with `firstLine`, the number of the last line read). */
  lines: number;
  /** Empty or whitespace-only lines, skipped. */
  blank: number;
  /** Non-blank lines without issues. */
  valid: number;
  /** Non-blank lines with at least one issue. */
  invalid: number;
  /** Issue count per issue code. */
  byCode: Record<string, number>;
}

/** The records of a JSONL input, as an async iterable, with a summary once iteration has ended. */
export interface JsonlReader extends AsyncIterable<JsonlRecord> {
  /** Counts so far; complete once the `for await` loop has finished. */
  summary(): JsonlSummary;
}

/** The default `maxLineLength` of {@link readJsonl}: 64 MiB. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;
const NL = 0x0a;
const CR = 0x0d;
const encoder = new TextEncoder();

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

const CHUNK = 256 * 1024;

// Reads a file with one read always in flight: the next chunk loads while the caller parses this one.
async function* fileChunks(path: string | URL): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  let next: Promise<{ bytesRead: number; buffer: Buffer }> | undefined;
  try {
    next = file.read(Buffer.allocUnsafe(CHUNK), 0, CHUNK, null);
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return;
      next = file.read(Buffer.allocUnsafe(CHUNK), 0, CHUNK, null);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await next?.catch(() => undefined);
    await file.close();
  }
}

async function* chunksOf(source: JsonlSource): AsyncGenerator<Uint8Array> {
  let iterable: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  let where: string;
  if (typeof source === 'string' || source instanceof URL) {
    where = String(source);
    iterable = fileChunks(source);
  } else {
    where = 'the input stream';
    iterable = source;
  }
  try {
    for await (const chunk of iterable) {
      yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    }
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message;
    throw new SchemaValidationError('JSONL_SOURCE_UNREADABLE', `cannot read ${where}: ${reason}`, { cause });
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Core of both readers. `check` validates a parsed value (or is undefined for parse-only reading); it is passed
 * in rather than wrapped so the per-line path allocates no closure.
 */
export function createJsonlReader(
  source: JsonlSource,
  validator: Validator | undefined,
  options: ReadJsonlOptions,
): JsonlReader {
  const iterable = typeof source === 'object' && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source);
  if (typeof source !== 'string' && !(source instanceof URL) && !iterable) {
    // A wrong argument, not an unreadable input: said at the call, not on the first read.
    throw new TypeError(`readJsonl: expected a file path, a URL or an (async) iterable of chunks, got ${source === null ? 'null' : typeof source}`);
  }
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
    throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `maxLineLength must be a positive integer, got ${maxLineLength}`);
  }
  const firstLine = options.firstLine ?? 1;
  if (!Number.isInteger(firstLine) || firstLine < 1) {
    throw new SchemaValidationError('SCHEMA_INVALID_OPTIONS', `firstLine must be a positive integer, got ${firstLine}`);
  }
  // Only the true start of an input can carry a byte-order mark.
  const bomLine = firstLine === 1 ? 1 : 0;
  // The bytes of a line held across chunks may end in a CR and start with a BOM, which its length does not count:
  // held beyond this, a line is too long whatever they are; below, fromText measures it exactly.
  const heldLimit = maxLineLength + 4;
  const summary: JsonlSummary = { lines: 0, blank: 0, valid: 0, invalid: 0, byCode: {} };
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  const record = (line: number, issues: Issue[], value: unknown, parsed: boolean): JsonlRecord => {
    if (issues.length === 0) summary.valid += 1;
    else {
      summary.invalid += 1;
      for (const issue of issues) summary.byCode[issue.code] = (summary.byCode[issue.code] ?? 0) + 1;
    }
    return parsed ? { line, value, issues } : { line, issues };
  };

  // `text` holds the line between `start` and `end` (CR, newline and BOM already excluded by the callers).
  const fromText = (line: number, text: string, start: number, end: number): JsonlRecord | undefined => {
    summary.lines = line;
    const lineText = start === 0 && end === text.length ? text : text.slice(start, end);
    if (isBlank(lineText)) {
      summary.blank += 1;
      return undefined;
    }
    // Byte length only matters when the UTF-16 length says the line could be too long (at most 3 bytes a unit).
    if (lineText.length * 3 > maxLineLength) {
      const bytes = Buffer.byteLength(lineText);
      if (bytes > maxLineLength) return tooLongRecord(line, bytes);
    }
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      return record(line, [{ code: 'parse', path: '', message: `invalid JSON: ${(error as Error).message}`, line }], undefined, false);
    }
    if (mayHoldUnsafeNumber(value)) {
      const unsafe = findUnsafeNumbers(lineText, value);
      if (unsafe.length > 0) return record(line, unsafe.map((u) => ({ code: 'unsafe_integer', path: u.path, message: u.message, line })), undefined, false);
    }
    if (validator === undefined) return record(line, [], value, true);
    let result: ReturnType<Validator['validate']>;
    try {
      result = validator.validate(value);
    } catch (error) {
      // A recursive schema walks as deep as the value: one line nested thousands of levels deep fails alone.
      if (!isStackOverflow(error)) throw error;
      const message = 'value is nested too deeply to validate (it overflows the stack); flatten it or store the deep part as a string';
      return record(line, [{ code: 'too_deep', path: '', message, line }], value, true);
    }
    if (result.success) return record(line, [], value, true);
    for (const issue of result.issues) issue.line = line;
    return record(line, result.issues, value, true);
  };

  const tooLongRecord = (line: number, size: number): JsonlRecord => {
    summary.lines = line;
    const message = `line is ${size} bytes, longer than maxLineLength (${maxLineLength}); it was skipped`;
    return record(line, [{ code: 'line_too_long', path: '', message, line }], undefined, false);
  };

  const fromBytes = (line: number, bytes: Uint8Array): JsonlRecord | undefined => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end -= 1;
    let start = 0;
    if (line === bomLine && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(start, end));
    } catch {
      summary.lines = line;
      return record(line, [{ code: 'invalid_utf8', path: '', message: 'line is not valid UTF-8', line }], undefined, false);
    }
    return fromText(line, text, 0, text.length);
  };

  // A hand-written iterator rather than an async generator: a whole chunk is parsed synchronously into `batch`,
  // and next() hands records out as already-resolved promises, which is markedly cheaper per line than `yield`.
  const records = (): AsyncIterator<JsonlRecord> => {
    const chunks = chunksOf(source);
    let batch: JsonlRecord[] = [];
    let index = 0;
    let finished = false;
    let line = firstLine - 1;
    // Bytes of the current line seen in earlier chunks; dropped (and only counted) once the line is too long.
    let parts: Uint8Array[] = [];
    let partial = 0;
    let tooLong = false;

    const push = (record: JsonlRecord | undefined): void => {
      if (record !== undefined) batch.push(record);
    };

    const take = (chunk: Uint8Array): void => {
      let from = 0;
      if (partial > 0 || tooLong) {
        const nl = chunk.indexOf(NL);
        const to = nl === -1 ? chunk.length : nl;
        const size = partial + to;
        if (!tooLong && size > heldLimit) {
          tooLong = true;
          parts = [];
        }
        if (nl === -1) {
          if (!tooLong) parts.push(chunk);
          partial = size;
          return;
        }
        line += 1;
        if (tooLong) push(tooLongRecord(line, size));
        else {
          parts.push(chunk.subarray(0, to));
          push(fromBytes(line, concat(parts, size)));
        }
        parts = [];
        partial = 0;
        tooLong = false;
        from = nl + 1;
      }
      const last = chunk.lastIndexOf(NL);
      if (last >= from) {
        const region = chunk.subarray(from, last);
        if (isUtf8(region)) {
          // The common case: one check and one decode per chunk, then lines are cut from the string. isUtf8 has
          // already proven the bytes valid, so Buffer's non-fatal decoder (several times faster) gives the same text.
          const text = Buffer.from(region.buffer, region.byteOffset, region.byteLength).toString('utf8');
          let start = line === bomLine - 1 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
          for (;;) {
            const nl = text.indexOf('\n', start);
            const stop = nl === -1 ? text.length : nl;
            const end = stop > start && text.charCodeAt(stop - 1) === 0x0d ? stop - 1 : stop;
            line += 1;
            push(fromText(line, text, start, end));
            if (nl === -1) break;
            start = nl + 1;
          }
        } else {
          // Some line in this chunk is not UTF-8: decode line by line to say which.
          let at = 0;
          for (;;) {
            const nl = region.indexOf(NL, at);
            const stop = nl === -1 ? region.length : nl;
            line += 1;
            push(fromBytes(line, region.subarray(at, stop)));
            if (nl === -1) break;
            at = nl + 1;
          }
        }
        from = last + 1;
      }
      if (from < chunk.length) {
        partial = chunk.length - from;
        if (partial > heldLimit) tooLong = true;
        else parts.push(chunk.subarray(from));
      }
    };

    const flush = (): void => {
      if (partial > 0 || tooLong) {
        line += 1;
        push(tooLong ? tooLongRecord(line, partial) : fromBytes(line, concat(parts, partial)));
        parts = [];
        partial = 0;
        tooLong = false;
      }
    };

    const refill = async (): Promise<IteratorResult<JsonlRecord>> => {
      batch = [];
      index = 0;
      while (!finished) {
        const step = await chunks.next();
        if (step.done === true) {
          finished = true;
          flush();
        } else take(step.value);
        if (batch.length > 0) return { value: batch[index++] as JsonlRecord, done: false };
      }
      return { value: undefined, done: true };
    };

    return {
      next: () =>
        index < batch.length
          ? Promise.resolve({ value: batch[index++] as JsonlRecord, done: false })
          : refill(),
      return: async () => {
        finished = true;
        batch = [];
        await chunks.return(undefined);
        return { value: undefined, done: true };
      },
    };
  };

  return {
    [Symbol.asyncIterator]: () => records(),
    summary: () => ({ ...summary, byCode: { ...summary.byCode } }),
  };
}

/**
 * Reads JSONL line by line, parsing each non-blank line. Handles a UTF-8 BOM, CRLF, blank and whitespace-only
 * lines (skipped, counted in the summary), a last line without newline, invalid UTF-8 (`invalid_utf8`), malformed
 * JSON (`parse`, with the parser's message), over-long lines (`line_too_long`) and integer literals JSON.parse would
 * change (`unsafe_integer`, beyond 2^53; such a line has no `value`), each as an issue, not a throw. Memory is bounded by `maxLineLength` plus two 256 KiB read chunks and one chunk's records.
 *
 * @throws {SchemaValidationError} `JSONL_SOURCE_UNREADABLE` when the file or stream fails (during iteration).
 * @example
 * ```ts
 * const reader = readJsonl('data.jsonl');
 * for await (const { line, value, issues } of reader) if (issues.length > 0) console.log(line, issues);
 * console.log(reader.summary()); // { lines, blank, valid, invalid, byCode }
 * ```
 */
export function readJsonl(source: JsonlSource, options: ReadJsonlOptions = {}): JsonlReader {
  return createJsonlReader(source, undefined, options);
}
