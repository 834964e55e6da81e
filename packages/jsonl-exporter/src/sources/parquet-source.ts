import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { AsyncBuffer, Compressors, FileMetaData } from 'hyparquet';
import { ExportError } from '../errors.js';
import type { ParquetWorkerData, ParquetWorkerReply } from '../internal/parquet-worker.js';
import { startWorker, workerUrl } from '../internal/worker-thread.js';
import { loadFzstd } from '../internal/zstd.js';
import { finiteOrText, isRecord } from './base-source.js';
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
  return normalizeValue(value);
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

/** The rows `rowStart` to `rowEnd` (one row group), normalised (see {@link normalizeParquetValue}). */
export async function decodeRows(pq: ParquetFile, rowStart: number, rowEnd: number, columns: string[] | undefined): Promise<Record<string, unknown>[]> {
  const { parquetReadObjects } = await import('hyparquet');
  const rows = await parquetReadObjects({
    file: pq.file,
    metadata: pq.metadata,
    rowStart,
    rowEnd,
    compressors: pq.compressors,
    ...(columns === undefined ? {} : { columns }),
  });
  for (let i = 0; i < rows.length; i++) rows[i] = normalizeParquetValue(rows[i]) as Record<string, unknown>;
  return rows as Record<string, unknown>[];
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
    async rows(rowStart: number, rowEnd: number, budgetMs: number): Promise<Record<string, unknown>[] | undefined> {
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
      return reply.rows;
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
      let rows: Record<string, unknown>[] | undefined;
      try {
        rows = decoder ? await decoder.rows(rowStart, rowEnd, decodeBudgetMs(Number(group.total_byte_size))) : await decodeRows(pq, rowStart, rowEnd, columns);
      } catch (error) {
        const where = `${absolute}: row group ${g + 1} of ${pq.metadata.row_groups.length} (rows ${rowStart}-${rowEnd - 1})`;
        const message = error instanceof ExportError ? error.message : `cannot be read: ${(error as Error).message}`;
        throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${where}: ${message}`, { cause: error });
      }
      if (rows === undefined) return;
      stats.bytesRead += Number(group.total_compressed_size ?? group.total_byte_size);
      for (let i = 0; i < rows.length; i++) {
        const record = rows[i] as Record<string, unknown>;
        rows[i] = undefined as never;
        yield { ref: `${prefix}[${rowStart + i}]`, record };
      }
      rowStart = rowEnd;
    }
  } finally {
    await decoder?.close();
  }
}
