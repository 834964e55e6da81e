import { Buffer, isUtf8 } from 'node:buffer';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { AsyncBuffer, Compressors, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import type { UnsafeNumber } from '@lorakit/schema-validation';
import { ExportError } from '../errors.js';
import type { ParquetWorkerData, ParquetWorkerReply } from '../internal/parquet-worker.js';
import { startWorker, workerUrl } from '../internal/worker-thread.js';
import { loadFzstd } from '../internal/zstd.js';
import { finiteOrText, isRecord, parseJsonChecked, pointerToken, UnsafeJson, unsafeJsonIn, unsafeNumbersItem } from './base-source.js';
import { normalizeValue } from './normalize-value.js';
import type { SourceItem, SourceStats } from './source.js';

async function compressorsFor(metadata: FileMetaData): Promise<Compressors> {
  const codecs = new Set<string>();
  for (const group of metadata.row_groups) for (const column of group.columns) if (column.meta_data) codecs.add(column.meta_data.codec);
  // hyparquet decodes snappy itself; gzip and brotli come from node:zlib, zstd from fzstd when the file uses it.
  const compressors: Compressors = {
    GZIP: (input) => gunzipSync(input),
    BROTLI: (input) => brotliDecompressSync(input),
  };
  if (codecs.has('ZSTD')) {
    const { decompress } = await loadFzstd();
    compressors.ZSTD = (input, outputLength) => decompress(input, new Uint8Array(outputLength));
  }
  return compressors;
}

const utf8 = new TextDecoder();

/** Bytes hyparquet would decode as text that are not UTF-8 (U+FFFD in their place): see decodeRows. */
class NotUtf8 {
  constructor(readonly bytes: Uint8Array) {}
  base64(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('base64');
  }
}

/** Where hyparquet's defaults lose or change what the file holds. */
const PARSERS: Partial<ParquetParsers> = {
  stringFromBytes: (bytes: Uint8Array | undefined) => bytes && (isUtf8(bytes) ? utf8.decode(bytes) : new NotUtf8(bytes)),
  // As the JSON sources parse a line: an integer beyond 2^53 is no silent rounding.
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && parseJsonChecked(utf8.decode(bytes)),
  // hyparquet divides toward zero: -1 µs was 1970-01-01T00:00:00.000Z, not the millisecond before.
  timestampFromMicroseconds: (micros: bigint) => new Date(floorDiv(micros, 1000n)),
  timestampFromNanoseconds: (nanos: bigint) => new Date(floorDiv(nanos, 1_000_000n)),
};

function floorDiv(n: bigint, d: bigint): number {
  const q = n / d;
  return Number(n % d < 0n ? q - 1n : q);
}

/** Set by {@link normalizeParquetValue} when it passed an {@link UnsafeJson}: only then are paths looked for. */
let sawUnsafeJson = false;

/**
 * normalizeValue, and NaN and ±Infinity as text at any depth: FLOAT and DOUBLE columns, lists and structs of them.
 * Changes hyparquet's fresh rows in place rather than copying them.
 */
function normalizeParquetValue(value: unknown): unknown {
  if (typeof value === 'number') return finiteOrText(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeParquetValue(value[i]);
    return value;
  }
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key in value) value[key] = normalizeParquetValue(value[key]);
    return value;
  }
  if (value instanceof UnsafeJson) {
    sawUnsafeJson = true;
    return value;
  }
  // Inside a list or struct (top-level columns are settled in decodeRows): bytes, as other sources write them.
  if (value instanceof NotUtf8) return value.base64();
  return normalizeValue(value);
}

/** The top-level columns of a file (the schema is a tree written depth-first: root, then each column's subtree). */
function topLevelColumns(metadata: FileMetaData): SchemaElement[] {
  const { schema } = metadata;
  const subtreeEnd = (at: number): number => {
    let next = at + 1;
    for (let k = 0; k < (schema[at]?.num_children ?? 0); k++) next = subtreeEnd(next);
    return next;
  };
  const out: SchemaElement[] = [];
  for (let i = 1; i < schema.length; i = subtreeEnd(i)) out.push(schema[i] as SchemaElement);
  return out;
}

/** Columns whose values can hold more digits than the double hyparquet reads a DECIMAL into. */
function wideDecimals(columns: SchemaElement[]): SchemaElement[] {
  return columns.filter((c) => !c.num_children && c.converted_type === 'DECIMAL' && (c.precision ?? 0) > 15);
}

/** Whether a column is declared text (its bytes are text even when they are not UTF-8). */
function isTextColumn(c: SchemaElement): boolean {
  return c.converted_type === 'UTF8' || c.converted_type === 'ENUM' || c.logical_type?.type === 'STRING' || c.logical_type?.type === 'ENUM';
}

/**
 * Settles the top-level byte-array values that are not UTF-8, in place: in a text column, text as hyparquet decodes
 * it (U+FFFD for the bad bytes); in a byte-array column without annotation, which hyparquet reads as text because
 * many writers leave strings unannotated, base64 for every value of the column in this row group, so that one
 * column never mixes text and bytes.
 */
function settleBytes(rows: Record<string, unknown>[], columns: SchemaElement[]): void {
  for (const c of columns) {
    if (c.type !== 'BYTE_ARRAY' || !rows.some((row) => row[c.name] instanceof NotUtf8)) continue;
    const text = isTextColumn(c);
    for (const row of rows) {
      const v = row[c.name];
      if (v instanceof NotUtf8) row[c.name] = text ? utf8.decode(v.bytes) : v.base64();
      else if (!text && typeof v === 'string') row[c.name] = Buffer.from(v, 'utf8').toString('base64');
    }
  }
}

/**
 * Significant digits of the shortest text of a double (`8999999999999.998`: 16). A decimal of up to 15 digits comes
 * back from its nearest double as written; beyond, its last digits may not.
 */
function significantDigits(n: number): number {
  const mantissa = String(Math.abs(n)).split('e')[0] as string;
  return mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
}

/** A file, its metadata and compressors: what decoding a row group needs. */
export interface ParquetFile {
  file: AsyncBuffer;
  metadata: FileMetaData;
  compressors: Compressors;
}

/** Opens a Parquet file and reads its metadata; `absolute` names it in errors. */
export async function openParquetFile(absolute: string): Promise<ParquetFile> {
  // Loaded here, not at import: an export of any other source does not pay for the Parquet reader (~25 ms).
  const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
  const file = await asyncBufferFromFile(absolute);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${absolute}: not a readable Parquet file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { file, metadata, compressors: await compressorsFor(metadata) };
}

/** Decoded rows, and what makes some of them rejects: `[index in rows, findings]`. */
export interface DecodedRows {
  rows: Record<string, unknown>[];
  unsafe: [number, UnsafeNumber[]][];
}

/**
 * The rows `rowStart` to `rowEnd` (one row group), normalised (see {@link normalizeParquetValue}). A row is unsafe
 * when a JSON column holds an integer beyond 2^53, or a top-level DECIMAL column of more than 15 digits a value
 * that comes back with more than 15 significant digits: hyparquet reads decimals as doubles.
 */
export async function decodeRows(pq: ParquetFile, rowStart: number, rowEnd: number, columns: string[] | undefined): Promise<DecodedRows> {
  const { parquetReadObjects } = await import('hyparquet');
  const rows = (await parquetReadObjects({
    file: pq.file,
    metadata: pq.metadata,
    rowStart,
    rowEnd,
    compressors: pq.compressors,
    parsers: PARSERS,
    ...(columns === undefined ? {} : { columns }),
  })) as Record<string, unknown>[];
  const top = topLevelColumns(pq.metadata);
  settleBytes(rows, top);
  const decimals = wideDecimals(top);
  const unsafe: DecodedRows['unsafe'] = [];
  for (let i = 0; i < rows.length; i++) {
    sawUnsafeJson = false;
    const row = normalizeParquetValue(rows[i]) as Record<string, unknown>;
    const found = sawUnsafeJson ? unsafeJsonIn(row) : [];
    for (const d of decimals) {
      const v = row[d.name];
      if (typeof v === 'number' && significantDigits(v) > 15) {
        const message = `DECIMAL(${d.precision ?? '?'},${d.scale ?? 0}) value ${v} may have lost digits in the double it is read into: write the column as a string`;
        found.push({ path: `/${pointerToken(d.name)}`, message });
      }
    }
    if (found.length > 0) {
      unsafe.push([i, found]);
      rows[i] = {};
    } else rows[i] = row;
  }
  return { rows, unsafe };
}

/** Time a row group may take to decode before the file is taken for corrupt: 10 s, and 1 s more per MB. */
function decodeBudgetMs(uncompressedBytes: number): number {
  return 10_000 + uncompressedBytes / 1000;
}

/**
 * Decodes row groups in a worker thread, so that a file whose damage sends the decoder into an endless loop (seen:
 * zeroed data pages) fails after its time budget, and Ctrl-C or an abort stop it at once: on the main thread such a
 * loop would never let them run. Undefined when running from TypeScript source (no compiled worker).
 */
function decoderThread(absolute: string, columns: string[] | undefined, signal: AbortSignal) {
  const url = workerUrl('parquet-worker.js');
  if (url === undefined) return undefined;
  const worker = startWorker(url, { path: absolute, columns } satisfies ParquetWorkerData);
  let settle: ((reply: ParquetWorkerReply | Error | undefined) => void) | undefined;
  worker.on('message', (reply: ParquetWorkerReply) => settle?.(reply));
  worker.on('error', (error) => settle?.(error));
  worker.on('exit', (code) => settle?.(new Error(`the Parquet decoder exited early (code ${code})`)));
  return {
    /** The rows, or undefined when the signal fired first. */
    async rows(rowStart: number, rowEnd: number, budgetMs: number): Promise<DecodedRows | undefined> {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => settle?.(undefined);
      const reply = await new Promise<ParquetWorkerReply | Error | undefined>((resolve) => {
        settle = resolve;
        timer = setTimeout(() => resolve(new ExportError('EXPORT_SOURCE_UNREADABLE', `not decoded in ${Math.round(budgetMs / 1000)} s: the file is likely damaged`)), budgetMs);
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
        else worker.postMessage({ rowStart, rowEnd });
      });
      settle = undefined;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (reply === undefined) return undefined;
      if (reply instanceof Error) throw reply;
      if ('error' in reply) throw new Error(reply.error);
      return reply;
    },
    close: () => worker.terminate(),
  };
}

/**
 * Items of a Parquet file, refs `<prefix>[<row>]` (0-based row number). Reads one row group at a time, so memory
 * is bounded by the largest row group, not the file (held twice while it passes from the decoder thread). 64-bit
 * integers become numbers when exact, else strings; NaN and ±Infinity become text.
 */
export async function* parquetItems(
  absolute: string,
  prefix: string,
  columns: string[] | undefined,
  stats: SourceStats,
  signal: AbortSignal,
): AsyncGenerator<SourceItem, void, undefined> {
  const pq = await openParquetFile(absolute);
  const decoder = decoderThread(absolute, columns, signal);
  try {
    stats.bytesRead = 0;
    let rowStart = 0;
    for (const [g, group] of pq.metadata.row_groups.entries()) {
      if (signal.aborted) return;
      const rowEnd = rowStart + Number(group.num_rows);
      let decoded: DecodedRows | undefined;
      try {
        decoded = decoder ? await decoder.rows(rowStart, rowEnd, decodeBudgetMs(Number(group.total_byte_size))) : await decodeRows(pq, rowStart, rowEnd, columns);
      } catch (error) {
        const where = `${absolute}: row group ${g + 1} of ${pq.metadata.row_groups.length} (rows ${rowStart}-${rowEnd - 1})`;
        const message = error instanceof ExportError ? error.message : `cannot be read: ${(error as Error).message}`;
        throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${where}: ${message}`, { cause: error });
      }
      if (decoded === undefined) return;
      stats.bytesRead += Number(group.total_compressed_size ?? group.total_byte_size);
      const { rows } = decoded;
      const unsafe = new Map(decoded.unsafe);
      for (let i = 0; i < rows.length; i++) {
        const record = rows[i] as Record<string, unknown>;
        rows[i] = undefined as never;
        const ref = `${prefix}[${rowStart + i}]`;
        const found = unsafe.get(i);
        yield found === undefined ? { ref, record } : unsafeNumbersItem(ref, found);
      }
      rowStart = rowEnd;
    }
  } finally {
    await decoder?.close();
  }
}
