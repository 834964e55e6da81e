import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Compressors, FileMetaData } from 'hyparquet';
import { ExportError } from '../errors.js';
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

/**
 * Items of a Parquet file, refs `<prefix>[<row>]` (0-based row number). Reads one row group at a time, so memory
 * is bounded by the largest row group, not the file. 64-bit integers become numbers when exact, else strings;
 * NaN and ±Infinity become text.
 */
export async function* parquetItems(
  absolute: string,
  prefix: string,
  columns: string[] | undefined,
  stats: SourceStats,
  signal: AbortSignal,
): AsyncGenerator<SourceItem, void, undefined> {
  // Loaded here, not at import: an export of any other source does not pay for the Parquet reader (~25 ms).
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const file = await asyncBufferFromFile(absolute);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${absolute}: not a readable Parquet file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const compressors = await compressorsFor(metadata);
  stats.bytesRead = 0;
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    if (signal.aborted) return;
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file,
      metadata,
      rowStart,
      rowEnd,
      compressors,
      ...(columns === undefined ? {} : { columns }),
    });
    stats.bytesRead += Number(group.total_compressed_size ?? group.total_byte_size);
    for (let i = 0; i < rows.length; i++) {
      const record = normalizeParquetValue(rows[i]) as Record<string, unknown>;
      rows[i] = undefined as never;
      yield { ref: `${prefix}[${rowStart + i}]`, record };
    }
    rowStart = rowEnd;
  }
}
