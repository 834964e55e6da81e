import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { QualityMetricsError } from './errors.js';
import type { SampleRecord } from './quality-accumulator.js';

/** Writes sidecar records as JSON lines; pass `write` as the accumulator's `onSample`. */
export interface SidecarWriter {
  write(record: SampleRecord): void;
  /** Flushes, fsyncs and renames the temp file into place. */
  close(): void;
  /** Deletes the temp file without publishing it. */
  abort(): void;
}

const FLUSH_BYTES = 1 << 16;

/**
 * Opens `samples.jsonl`-style output at `path`, written atomically: lines go to a temp file in the same directory
 * (buffered, 64 KiB at a time, so memory stays bounded), and `close()` fsyncs and renames it over `path`.
 *
 * @example
 * const sidecar = openSidecarWriter('out/samples.jsonl');
 * const acc = createQualityAccumulator({ onSample: sidecar.write });
 * // ... add samples ...
 * sidecar.close();
 */
export function openSidecarWriter(path: string): SidecarWriter {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (cause) {
    throw new QualityMetricsError('METRICS_WRITE_FAILED', `cannot create ${tmp}: ${(cause as Error).message}`, { cause });
  }
  let buffer = '';
  let open = true;
  const fail = (cause: unknown): never => {
    throw new QualityMetricsError('METRICS_WRITE_FAILED', `writing ${path} failed: ${(cause as Error).message}`, { cause });
  };
  const flush = () => {
    if (buffer === '') return;
    try {
      writeSync(fd, buffer);
    } catch (cause) {
      fail(cause);
    }
    buffer = '';
  };
  return {
    write(record: SampleRecord): void {
      if (!open) throw new QualityMetricsError('METRICS_WRITE_FAILED', `${path}: write after close`);
      buffer += JSON.stringify(record) + '\n';
      if (buffer.length >= FLUSH_BYTES) flush();
    },
    close(): void {
      if (!open) return;
      flush();
      open = false;
      try {
        fsyncSync(fd);
        closeSync(fd);
        renameSync(tmp, path);
      } catch (cause) {
        rmSync(tmp, { force: true });
        fail(cause);
      }
    },
    abort(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
      rmSync(tmp, { force: true });
    },
  };
}
