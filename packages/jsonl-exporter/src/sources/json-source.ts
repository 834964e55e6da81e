import type { Readable } from 'node:stream';
import { findUnsafeNumbers, mayHoldUnsafeNumber, type UnsafeNumber } from '@lorakit/schema-validation';
import { ExportError } from '../errors.js';
import { isRecord, notObjectItem, unsafeNumbersItem } from './base-source.js';
import type { SourceItem, SourceStats } from './source.js';

const POSITION = /position (\d+)/;
const MAX_DOCUMENT_BYTES = 512 * 2 ** 20;

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}

/**
 * The offsets of the `[`, each top-level `,` and the `]` of a valid JSON array's text, as far as element `last`:
 * the text of element i lies strictly between `bounds[i]` and `bounds[i + 1]`.
 */
function elementBounds(text: string, last: number): number[] {
  const bounds: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length && bounds.length <= last + 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: its closing quote is the first one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (depth++ === 0) bounds.push(i);
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) bounds.push(i);
    } else if (c === 0x2c && depth === 1) bounds.push(i);
  }
  return bounds;
}

/** The array of a JSON document, and the numbers JSON.parse changed, by element index. */
interface ParsedArray {
  document: unknown[];
  unsafe: Map<number, UnsafeNumber[]>;
}

async function readArray(stream: Readable, where: string): Promise<ParsedArray> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    // Beyond V8's longest string the document cannot be parsed at all; say what to do instead of crashing.
    if (size > MAX_DOCUMENT_BYTES) {
      throw new ExportError(
        'EXPORT_SOURCE_UNREADABLE',
        `${where}: a JSON array larger than ${MAX_DOCUMENT_BYTES / 2 ** 20} MiB cannot be loaded; convert it to JSONL (jq -c '.[]') and use type "jsonl"`,
      );
    }
    chunks.push(buffer);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch (error) {
    throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${where}: the file is not valid UTF-8`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = POSITION.exec(message);
    const at = position === null ? '' : (({ line, column }) => ` at line ${line}, column ${column}`)(lineAndColumn(text, Number(position[1])));
    throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${where}: invalid JSON${at}: ${message}`, { cause: error });
  }
  if (!Array.isArray(document)) {
    const kind = document === null ? 'null' : typeof document;
    throw new ExportError(
      'EXPORT_SOURCE_UNREADABLE',
      `${where}: expected a JSON array of records at the top level, got ${kind}; use type "jsonl" for one object per line`,
    );
  }
  // As the JSONL reader does: a record whose number JSON.parse changed is not exported with another number. Each
  // element is checked against its own text: findUnsafeNumbers pairs literals with numbers by value, so over the
  // whole document a literal of one record would be matched to an equal number (1e20) of another.
  const unsafe = new Map<number, UnsafeNumber[]>();
  const suspects: number[] = [];
  for (let i = 0; i < document.length; i++) if (mayHoldUnsafeNumber(document[i])) suspects.push(i);
  if (suspects.length > 0) {
    const bounds = elementBounds(text, suspects[suspects.length - 1] as number);
    for (const i of suspects) {
      const found = findUnsafeNumbers(text.slice((bounds[i] as number) + 1, bounds[i + 1]), document[i]);
      if (found.length > 0) unsafe.set(i, found);
    }
  }
  return { document, unsafe };
}

/**
 * Items of a JSON document holding one array of objects, refs `<prefix>[<index>]` (0-based). The whole document
 * is read into memory first: JSON.parse needs all of it, and a JSON array has no record boundaries to stream on.
 */
export async function* jsonItems(
  stream: Readable,
  prefix: string,
  where: string,
  stats: SourceStats,
  raw: { bytesRead: number },
): AsyncGenerator<SourceItem, void, undefined> {
  // Parsed in a helper so the document's text is garbage once the array exists.
  let parsed: ParsedArray;
  try {
    parsed = await readArray(stream, where);
  } finally {
    stream.destroy();
  }
  const { document, unsafe } = parsed;
  stats.bytesRead = raw.bytesRead;
  for (let i = 0; i < document.length; i++) {
    const value: unknown = document[i];
    // Drop each element once handed out, so memory shrinks as the export proceeds.
    document[i] = undefined;
    const ref = `${prefix}[${i}]`;
    const changed = unsafe.get(i);
    if (changed !== undefined) yield unsafeNumbersItem(ref, changed);
    else yield isRecord(value) ? { ref, record: value } : notObjectItem(ref, value);
  }
}
