import type { Worker } from 'node:worker_threads';
import { startWorker, workerUrl } from './worker-thread.js';
import {
  accumulatorFromJSON,
  checkGates,
  createQualityAccumulator,
  evaluateGates,
  isMeasured,
  renderHtml,
  type GateEvaluation,
  type QualityAccumulator,
  type QualityAccumulatorOptions,
  type QualityReport,
  type SampleDigest,
} from '@lorakit/quality-metrics';
import { DIGEST_WIDTH, writeDigest } from './digest-columns.js';
import { ExportError } from '../errors.js';
import { exportsShare, type ExportConfig } from '../export-config.js';
import { EXPORT_STAGES, type ExportStats } from '../export-stats.js';
import { autoSampleRate } from './estimate-records.js';
import type { MetricsBatch, MetricsEnd, MetricsFinal } from './metrics-worker.js';
import { writeStateFile, type WrittenState } from './state-file.js';
import type { PipelineIssue, SampleSink } from './pipeline.js';

/** The quality report of an export (and its gate verdicts). */
export interface ReportResult {
  report?: QualityReport;
  gates?: GateEvaluation;
}

/**
 * The funnel the report carries: records read, then what each stage dropped and why (pipeline order), then what
 * was exported.
 */
export function toFunnel(stats: ExportStats): NonNullable<QualityReport['funnel']> {
  const rows: NonNullable<QualityReport['funnel']> = [{ stage: 'read', count: stats.read }];
  for (const stage of EXPORT_STAGES) {
    const prefix = `${stage}/`;
    const codes = Object.keys(stats.rejectedByCode)
      .filter((k) => k.startsWith(prefix))
      .sort();
    for (const key of codes) rows.push({ stage, code: key.slice(prefix.length), count: stats.rejectedByCode[key] ?? 0 });
  }
  rows.push({ stage: 'exported', count: stats.exported });
  return rows;
}

const BATCH = 512;
/** Numbers per sample in a batch: its digest, then its line. */
const STRIDE = DIGEST_WIDTH + 1;

// Batches sent but not yet measured; beyond this the pipeline waits, so a slow report cannot queue up the dataset.
const MAX_IN_FLIGHT = 64;
// The JSON lines of the samples sent whole: a batch is sent once it holds this many characters, and the pipeline
// waits while the batches in flight hold more than MAX_IN_FLIGHT_CHARS. Counting batches alone let samples of
// ~100 KB each queue up hundreds of MB (measured: 3,000 such records at sample_rate 1 peaked at 674 MB RSS, now 361).
const MAX_BATCH_CHARS = 1 << 20;
const MAX_IN_FLIGHT_CHARS = 8 << 20;

function newBatch(): MetricsBatch {
  return { type: 'batch', formats: [], nums: new Float64Array(BATCH * STRIDE), samples: [], issues: [] };
}

/**
 * Feeds exported samples to a quality accumulator and produces the report with the funnel. With workers, batches
 * of samples are measured on other threads, each batch going to the least busy one; the accumulators are mergeable,
 * so their states come back at the end and merge into one.
 */
export class Reporter implements SampleSink {
  private ordinal = 0;
  private accumulator: QualityAccumulator | undefined;
  private readonly workers: Worker[];
  private readonly inFlight: number[];
  /** Characters of whole samples in each worker's unacknowledged batches, oldest first (acks come in order). */
  private readonly inFlightChars: number[][];
  private inFlightCharsTotal = 0;
  private batchChars = 0;
  private readonly states: unknown[] = [];
  private batch = newBatch();
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private collected = false;

  /**
   * @param sampleRate the accumulator's: samples outside its content sample are sent as their digests alone.
   */
  constructor(
    private readonly config: ExportConfig,
    source: QualityAccumulator | { workers: Worker[] },
    private readonly sampleRate = 1,
  ) {
    this.workers = 'workers' in source ? source.workers : [];
    this.inFlight = this.workers.map(() => 0);
    this.inFlightChars = this.workers.map(() => []);
    if (!('workers' in source)) this.accumulator = source;
    this.workers.forEach((worker, i) => {
      worker.on('message', (m: { type: 'ack' } | MetricsFinal) => {
        if (m.type === 'ack') {
          this.inFlight[i] = (this.inFlight[i] as number) - 1;
          this.inFlightCharsTotal -= (this.inFlightChars[i] as number[]).shift() ?? 0;
        } else this.states[i] = m;
        this.wake?.();
      });
      worker.on('exit', (code) => {
        if (!this.collected && !this.failure) {
          this.failure = new ExportError('EXPORT_METRICS_FAILED', `quality metrics worker exited early (code ${code})`);
          this.wake?.();
        }
      });
      worker.on('error', (error) => {
        this.failure = new ExportError('EXPORT_METRICS_FAILED', `quality metrics worker failed: ${error.message}`, { cause: error });
        this.wake?.();
      });
    });
  }

  add(sample: Record<string, unknown> | undefined, line: string, digest: SampleDigest, info: { line?: number; issues?: PipelineIssue[] }): void {
    this.ordinal++;
    // The pipeline always gives a line (a source position where lines mean nothing); other callers may not.
    const sourceLine = info.line ?? this.ordinal;
    // The accumulator needs the sample itself for the content metrics, near duplicates, and the example text of an
    // exact-duplicate group (none reach it when the export drops exact duplicates); the digest tells it the rest.
    const needed = isMeasured(digest, this.sampleRate) || this.config.quality_metrics.near_duplicates || !this.config.dedup.exact;
    if (this.workers.length === 0) {
      const context: { line: number; issues?: PipelineIssue[] } = { line: sourceLine };
      if (info.issues) context.issues = info.issues;
      (this.accumulator as QualityAccumulator).addDigest(digest, context, sample ?? (needed ? JSON.parse(line) : undefined));
      return;
    }
    const b = this.batch;
    const i = b.formats.length;
    if (info.issues) b.issues.push([i, info.issues]);
    if (needed) {
      b.samples.push([i, line]);
      this.batchChars += line.length;
    }
    b.formats.push(digest.format);
    writeDigest(b.nums, i * STRIDE, digest);
    b.nums[i * STRIDE + DIGEST_WIDTH] = sourceLine;
    if (i + 1 >= BATCH || this.batchChars >= MAX_BATCH_CHARS) this.send();
  }

  /** Hand the batch to the least busy worker. */
  private send(): void {
    const batch = this.batch;
    if (this.workers.length === 0 || batch.formats.length === 0) return;
    let best = 0;
    for (let i = 1; i < this.inFlight.length; i++) if ((this.inFlight[i] as number) < (this.inFlight[best] as number)) best = i;
    (this.workers[best] as Worker).postMessage(batch, [batch.nums.buffer as ArrayBuffer]);
    this.inFlight[best] = (this.inFlight[best] as number) + 1;
    (this.inFlightChars[best] as number[]).push(this.batchChars);
    this.inFlightCharsTotal += this.batchChars;
    this.batchChars = 0;
    this.batch = newBatch();
  }

  private behind(): boolean {
    if (this.inFlight.length === 0) return false;
    if (this.inFlightCharsTotal > MAX_IN_FLIGHT_CHARS) return true;
    for (const n of this.inFlight) if (n <= MAX_IN_FLIGHT) return false;
    return true;
  }

  /** A promise to await before adding more when every worker is behind; undefined when one is not. */
  backpressure(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.behind()) return undefined;
    return new Promise((resolve, reject) => {
      this.wake = () => {
        if (this.failure) reject(this.failure);
        else if (!this.behind()) {
          this.wake = undefined;
          resolve();
        }
      };
    });
  }

  /**
   * The report of everything measured, and its state written to `statePath` when given. One worker computes and
   * writes both itself, so the main thread never holds a state sized by the samples; several workers' states are
   * merged here.
   */
  private async collect(statePath: string | undefined): Promise<{ report: QualityReport; stateFile?: WrittenState }> {
    if (this.accumulator) {
      const acc = this.accumulator;
      const report = acc.report();
      return statePath === undefined ? { report } : { report, stateFile: await writeStateFile(statePath, acc.toJSONChunks()) };
    }
    this.send();
    const single = this.workers.length === 1;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.failure) reject(this.failure);
        else if (this.states.filter((s) => s !== undefined).length === this.workers.length) resolve();
      };
      this.wake = check;
      const end: MetricsEnd = { type: 'end', report: single, statePath: single ? statePath : undefined };
      for (const worker of this.workers) worker.postMessage(end);
      check();
    });
    this.collected = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    const states = this.states as MetricsFinal[];
    if (single) {
      const only = states[0] as MetricsFinal;
      return only.stateFile ? { report: only.report as QualityReport, stateFile: only.stateFile } : { report: only.report as QualityReport };
    }
    // Each worker measured a share of the batches; accumulators merge as if one had seen them all.
    const [first, ...rest] = states.map((s) => accumulatorFromJSON(JSON.parse(s.state as string)));
    for (const other of rest) (first as QualityAccumulator).merge(other);
    this.accumulator = first as QualityAccumulator;
    return this.collect(statePath);
  }

  /**
   * The report of what was exported, with the funnel filled in, and gate verdicts when gates are configured (not on a
   * partition's share: see mergePartitions). With
   * `statePath`, the accumulator state (for mergePartitions and `lorakit report merge`) is written there.
   */
  async finish(stats: ExportStats, statePath?: string): Promise<ReportResult & { stateFile?: WrittenState }> {
    const collected = await this.collect(statePath);
    const report: QualityReport = { ...collected.report, funnel: toFunnel(stats) };
    const out: ReportResult & { stateFile?: WrittenState } = { report };
    const gates = this.config.quality_metrics.gates;
    // A partition holds a share of the dataset: gates such as `samples >= N` would fail on every one. mergePartitions
    // judges them on the whole (configWarnings says so).
    if (gates.length > 0 && !exportsShare(this.config)) out.gates = evaluateGates(report, gates);
    if (collected.stateFile) out.stateFile = collected.stateFile;
    return out;
  }

  /** HTML rendering of a report. */
  html(result: ReportResult): string | undefined {
    if (!result.report) return undefined;
    const options: { gates?: GateEvaluation; title: string } = { title: `${this.config.output.dataset_name}: quality report` };
    if (result.gates) options.gates = result.gates;
    return renderHtml(result.report, options);
  }

  /** Stop the workers after a failure. */
  async destroy(): Promise<void> {
    this.collected = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Create the reporter of a run; `estimated` (records in the input, if known) sets the automatic sample rate, and
 * `expected` (records of this run, see expectedRecords) sizes the accumulator's tables.
 */
export async function createReporter(config: ExportConfig, estimated: number | undefined, expected?: number): Promise<Reporter> {
  const q = config.quality_metrics;
  const options: QualityAccumulatorOptions = { nearDup: q.near_duplicates ? {} : false, sampleRate: autoSampleRate(q.sample_rate, estimated) };
  if (q.expected_languages.length > 0) options.expectedLanguages = q.expected_languages;
  // The report finds what the PII stage finds, or its PII counts would disagree with the export's.
  if (config.pii.phone_regions.length > 0) options.phoneRegions = config.pii.phone_regions;
  try {
    checkGates(q.gates);
  } catch (cause) {
    throw new ExportError('EXPORT_CONFIG_INVALID', `quality_metrics.gates: ${(cause as Error).message}`, { cause, key: 'quality_metrics.gates' });
  }
  // One by default: each worker is its own V8 heap plus the language model. Measured on 100k samples (2 cores):
  // two workers raised peak RSS from ~290 to ~380 MB and were slower (2.25 s against 1.95 s); more workers are an
  // explicit speed-for-memory trade for machines with cores to spare.
  const count = q.worker_threads;
  // Each worker measures a share of the batches.
  if (expected !== undefined) options.expectedSamples = Math.ceil(expected / Math.max(1, count));
  const url = count > 0 ? workerUrl('metrics-worker.js') : undefined;
  if (url) {
    // A small young generation: fed digests, the worker allocates little per sample, and V8's default (up to 32 MB)
    // only held garbage (measured on 100k records: peak RSS 283-296 → 260-276 MB, CPU the same, also at rate 1).
    const workers = Array.from({ length: count }, () => startWorker(url, options, { maxYoungGenerationSizeMb: 8 }));
    return new Reporter(config, { workers }, options.sampleRate ?? 1);
  }
  return new Reporter(config, createQualityAccumulator(options), options.sampleRate ?? 1);
}
