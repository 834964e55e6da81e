import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExportConfig } from '../export-config.js';
import { compressionOf } from '../sources/file-input.js';
import type { SourceConfig } from '../sources/source-config.js';
import { countNewlines } from './text.js';

const HEAD_BYTES = 1 << 16;

/**
 * Roughly how many records a source holds, without reading it: for uncompressed JSONL and CSV files, the file size
 * times the lowest line density of three 64 KiB probes, at its start, middle and end (exact for files of one probe).
 * The lowest, because an estimate too high costs memory (tables sized for records that never come) and one too low
 * only growth: a file whose first lines are far shorter than the rest would otherwise count many times its records.
 * A CSV file counts the row ends outside quoted fields, in the first probe only: a quoted field may span lines
 * (InstructGermanDPR holds 2,050 rows on ~16,000 lines, and the report would have measured an eighth of its
 * ~2,000 samples), and a probe further in may start inside one.
 * Undefined where that cannot be told cheaply (compressed files, JSON arrays, Parquet, databases, stdin).
 */
export async function estimateRecords(source: SourceConfig, cwd: string): Promise<number | undefined> {
  if (source.type !== 'jsonl' && source.type !== 'csv') return undefined;
  const path = resolve(cwd, source.path);
  if (compressionOf(path, source.compression) !== 'none') return undefined;
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    // The source reports a missing file with its own error.
    return undefined;
  }
  try {
    const info = await file.stat();
    // A directory opens but cannot be read (EISDIR): the source names it in its own error.
    if (!info.isFile()) return undefined;
    const size = info.size;
    const probe = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await file.read(probe, 0, probe.length, 0);
    if (source.type === 'csv') {
      const quote = source.quote.charCodeAt(0);
      if (quote > 0x7f) return undefined;
      const rows = countRowEnds(probe, bytesRead, quote);
      if (bytesRead >= size) return rows + (bytesRead > 0 && probe[bytesRead - 1] !== 10 ? 1 : 0);
      return rows === 0 ? undefined : Math.round((size * rows) / bytesRead);
    }
    const lines = countNewlines(probe, bytesRead);
    if (bytesRead >= size) return lines + (bytesRead > 0 && probe[bytesRead - 1] !== 10 ? 1 : 0);
    if (lines === 0) return undefined;
    let estimate = (size * lines) / bytesRead;
    for (const at of [Math.floor((size - HEAD_BYTES) / 2), size - HEAD_BYTES]) {
      if (at < HEAD_BYTES) continue;
      const read = (await file.read(probe, 0, HEAD_BYTES, at)).bytesRead;
      // A probe inside one long line holds at most one line's end.
      if (read > 0) estimate = Math.min(estimate, (size * Math.max(1, countNewlines(probe, read))) / read);
    }
    return Math.round(estimate);
  } finally {
    await file.close();
  }
}

/** Line ends outside quoted fields, from the start of a CSV text (a doubled quote inside a field flips twice). */
function countRowEnds(bytes: Uint8Array, end: number, quote: number): number {
  let rows = 0;
  let quoted = false;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte === quote) quoted = !quoted;
    else if (byte === 10 && !quoted) rows++;
  }
  return rows;
}

/** Samples the report measures content metrics on when `quality_metrics.sample_rate` is unset. */
export const AUTO_SAMPLE_TARGET = 2000;

/** The sample rate of the report: the configured one, or one that measures about {@link AUTO_SAMPLE_TARGET}. */
export function autoSampleRate(configured: number | undefined, estimated: number | undefined): number {
  if (configured !== undefined) return configured;
  if (estimated === undefined || estimated <= AUTO_SAMPLE_TARGET) return 1;
  return AUTO_SAMPLE_TARGET / estimated;
}

/** Presized tables beyond this many entries would cost too much if the estimate ran high; they grow instead. */
const MAX_PRESIZED = 1 << 22;

/**
 * How many records to size the dedup and report tables for up front: this partition's share of the estimate (the
 * tables hold one entry per kept sample, and growing them holds up to half as much again), at most ~4M. None with a
 * filter, which may keep any share of the records: tables sized for all of them would hold memory for nothing.
 */
export function expectedRecords(config: ExportConfig, estimated: number | undefined): number | undefined {
  if (estimated === undefined || (config.filter !== undefined && config.filter.trim() !== '')) return undefined;
  return Math.min(MAX_PRESIZED, Math.ceil(estimated / (config.partition?.count ?? 1)));
}
