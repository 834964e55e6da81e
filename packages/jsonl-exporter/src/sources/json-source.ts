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
  // As the JSONL reader does: a record whose number JSON.parse changed is not exported with another number.
  const unsafe = new Map<number, UnsafeNumber[]>();
  if (mayHoldUnsafeNumber(document)) {
    for (const found of findUnsafeNumbers(text, document)) {
      const slash = found.path.indexOf('/', 1);
      const index = Number(found.path.slice(1, slash < 0 ? undefined : slash));
      const list = unsafe.get(index) ?? [];
      list.push({ path: slash < 0 ? '' : found.path.slice(slash), message: found.message });
      unsafe.set(index, list);
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
