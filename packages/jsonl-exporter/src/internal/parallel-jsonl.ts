import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { countNewlines } from './text.js';
import { startWorker, workerUrl } from './worker-thread.js';
import { DEFAULT_MAX_LINE_LENGTH } from '@lorakit/schema-validation';
import { ExportError } from '../errors.js';
import type { ExportConfig } from '../export-config.js';
import { openInputFile, resolveInputFile } from '../sources/file-input.js';
import { aborted } from './run-pipeline.js';
import type { Transformed } from './pipeline.js';
import { decode, type BlockMessage, type BlockResult, type PipelineWorkerData } from './pipeline-worker.js';

/** Bytes of whole lines per block handed to a worker. */
const BLOCK_BYTES = 256 * 1024;
/** Blocks handed out but not yet admitted, per worker: enough to keep each busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 3;
/** Below this many records (when the size can be told) workers cost more to start than they save. */
const MIN_RECORDS_FOR_WORKERS = 20_000;

/**
 * Worker threads an export uses for its per-record stages: `worker_threads` when set. Unset, only cores left
 * over by the main thread and the report's worker are used, and only when there are at least two of them (on two
 * cores the threads would compete: measured slower with the report on and ~140 MB heavier), for JSONL files of
 * more than 20k records or of unknown length; at most four. Only JSONL files are split into blocks; other sources,
 * and runs from TypeScript source, use the main thread.
 */
export function pipelineWorkers(config: ExportConfig, estimated: number | undefined): number {
  if (config.source?.type !== 'jsonl' || workerUrl('pipeline-worker.js') === undefined) return 0;
  if (config.worker_threads !== undefined) return config.worker_threads;
  if (estimated !== undefined && estimated <= MIN_RECORDS_FOR_WORKERS) return 0;
  const report = config.quality_metrics.enabled ? Math.max(1, config.quality_metrics.worker_threads) : 0;
  const spare = availableParallelism() - 1 - report;
  return spare >= 2 ? Math.min(spare, 4) : 0;
}

/** Whole-line blocks of a JSONL byte stream, with the number of each block's first line. */
export async function* frameLines(
  stream: AsyncIterable<Uint8Array>,
  maxLineLength: number,
  blockBytes = BLOCK_BYTES,
): AsyncGenerator<Omit<BlockMessage, 'type' | 'index'>> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let line = 1;
  // Bytes of a line too long to hold, skipped up to its newline (memory stays bounded by maxLineLength).
  let skipped = -1;
  for await (let chunk of stream) {
    if (skipped >= 0) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        skipped += chunk.length;
        continue;
      }
      yield { firstLine: line++, tooLong: skipped + nl };
      skipped = -1;
      chunk = chunk.subarray(nl + 1);
    }
    parts.push(chunk);
    size += chunk.length;
    if (size < blockBytes && size <= maxLineLength) continue;
    const buf = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts, size);
    const last = buf.lastIndexOf(10);
    const rest = buf.subarray(last + 1);
    if (last >= 0) {
      const bytes = buf.subarray(0, last + 1);
      yield { firstLine: line, bytes };
      line += countNewlines(bytes);
    }
    if (rest.length > maxLineLength) {
      skipped = rest.length;
      parts = [];
      size = 0;
    } else {
      parts = rest.length > 0 ? [rest] : [];
      size = rest.length;
    }
  }
  if (skipped >= 0) yield { firstLine: line, tooLong: skipped };
  else if (size > 0) yield { firstLine: line, bytes: parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts, size) };
}

/** The source record of `line` in a block, read again from its bytes (for a reject entry of a duplicate). */
function recordAt(block: Omit<BlockMessage, 'type' | 'index'>, line: number): Record<string, unknown> | undefined {
  const bytes = block.bytes;
  if (!bytes) return undefined;
  let start = 0;
  for (let n = block.firstLine; n < line; n++) start = bytes.indexOf(10, start) + 1;
  let end = bytes.indexOf(10, start);
  if (end === -1) end = bytes.length;
  let text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** What {@link transformInParallel} yields per block, in input order. */
export interface TransformedBlock {
  results: Iterable<Transformed>;
  /** The source record of a line of this block, read again from its bytes (samples do not carry theirs). */
  recordAt(line: number): Record<string, unknown> | undefined;
  /** What the worker's pipeline saw of the config's optional fields (Pipeline.fieldsSeen). */
  fieldsSeen: readonly boolean[];
}

/** Counters of a parallel pass, for the export's stats and progress. */
export interface ParallelStats {
  blankLines: number;
  bytesRead: number;
}

/**
 * Reads a JSONL file source in blocks of whole lines, runs {@link Pipeline.transform} on them in `workers` threads,
 * and yields the results in input order. Workers are stopped when the iteration ends, however it ends.
 */
export async function* transformInParallel(
  config: ExportConfig,
  options: { cwd: string; env: NodeJS.ProcessEnv; startedAt: number; workers: number; digests: boolean; signal?: AbortSignal | undefined },
  stats: ParallelStats,
): AsyncGenerator<TransformedBlock> {
  const source = config.source;
  if (source?.type !== 'jsonl') throw new Error('transformInParallel reads JSONL files only');
  const url = workerUrl('pipeline-worker.js') as URL;
  const file = await resolveInputFile(source.path, options.cwd);
  const maxLineLength = source.max_line_length ?? DEFAULT_MAX_LINE_LENGTH;
  const data: PipelineWorkerData = {
    config,
    cwd: options.cwd,
    env: { ...options.env },
    startedAt: options.startedAt,
    prefix: file.name,
    maxLineLength,
    digests: options.digests,
  };
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const { stream, raw } = await openInputFile(file, source.compression, signal);
  const workers = Array.from({ length: options.workers }, () => startWorker(url, data));
  const done = new Map<number, BlockResult>();
  const pending = new Map<number, Omit<BlockMessage, 'type' | 'index'>>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  for (const worker of workers) {
    worker.on('message', (m: BlockResult) => {
      done.set(m.index, m);
      wake?.();
    });
    worker.on('error', (error) => {
      failure ??= new ExportError('EXPORT_WORKER_FAILED', `export worker failed: ${error.message}`, { cause: error });
      wake?.();
    });
    worker.on('exit', (code) => {
      if (code !== 0) failure ??= new ExportError('EXPORT_WORKER_FAILED', `export worker exited early (code ${code})`);
      wake?.();
    });
  }
  const wait = () => new Promise<void>((resolve) => (wake = resolve));

  const blocks = frameLines(stream as AsyncIterable<Uint8Array>, maxLineLength)[Symbol.asyncIterator]();
  let sent = 0;
  let next = 0;
  let ended = false;
  try {
    for (;;) {
      // Keep every worker fed, up to the in-flight limit.
      while (!ended && sent - next < IN_FLIGHT_PER_WORKER * workers.length) {
        let step: IteratorResult<Omit<BlockMessage, 'type' | 'index'>>;
        try {
          step = await blocks.next();
        } catch (error) {
          // The same errors the single-threaded source gives.
          if (options.signal?.aborted) throw aborted();
          const message = `jsonl ${file.name}: cannot read the input stream: ${(error as Error).message}`;
          throw new ExportError('EXPORT_SOURCE_UNREADABLE', message, { cause: error });
        }
        if (step.done === true) {
          ended = true;
          break;
        }
        const block = step.value;
        pending.set(sent, block);
        // Round robin: blocks are alike in size, and order comes back through `done`.
        (workers[sent % workers.length] as Worker).postMessage({ type: 'block', index: sent, ...block } satisfies BlockMessage);
        sent++;
        stats.bytesRead = raw.bytesRead;
      }
      if (ended && next === sent) return;
      while (!done.has(next)) {
        if (failure) throw failure;
        await wait();
      }
      const result = done.get(next) as BlockResult;
      const block = pending.get(next) as Omit<BlockMessage, 'type' | 'index'>;
      done.delete(next);
      pending.delete(next);
      next++;
      stats.blankLines += result.blankLines;
      yield { results: decode(result, file.name), recordAt: (line) => recordAt(block, line), fieldsSeen: result.fieldsSeen };
    }
  } finally {
    controller.abort();
    stream.destroy();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
