// Worker thread of the quality report: measures exported samples off the main thread, which keeps running the
// pipeline. Receives batches of sample digests (with the JSON lines it needs whole), answers each with an ack (for
// backpressure), and on `end` returns the accumulator state (written to the export's temp directory, or as text
// when several workers' states must merge) and, when it is the only worker, the report, so the main thread never
// rebuilds a state sized by the samples.
import { parentPort, workerData } from 'node:worker_threads';
import { createQualityAccumulator, type QualityAccumulatorOptions, type QualityReport, type SampleDigest } from '@lorakit/quality-metrics/accumulator';
import { DIGEST_WIDTH, readDigest } from './digest-columns.js';
import { writeStateFile, type WrittenState } from './state-file.js';

/**
 * A batch of exported samples: their digests, and the JSON lines of those the accumulator needs whole (see
 * `QualityAccumulator.addDigest`).
 */
export interface MetricsBatch {
  type: 'batch';
  formats: SampleDigest['format'][];
  /** Per sample: its digest (`DIGEST_WIDTH` numbers, see digest-columns) and its source line. */
  nums: Float64Array;
  /** JSON lines by index in the batch. */
  samples: [number, string][];
  /** Validation issues of kept-but-invalid samples, by index in the batch. */
  issues: [number, { code: string; path: string; message: string }[]][];
}

/** The last message to a worker: send the report (when it is the only worker) and the state, or write it. */
export interface MetricsEnd {
  type: 'end';
  report: boolean;
  /** Write the state here (and answer with its size and hash) instead of sending its text. */
  statePath?: string | undefined;
}

/** What a worker answers `end` with: its state as text or as a written file, and its report when asked. */
export interface MetricsFinal {
  type: 'state';
  state?: string;
  stateFile?: WrittenState;
  report?: QualityReport;
}

const port = parentPort;
if (port) {
  const accumulator = createQualityAccumulator(workerData as QualityAccumulatorOptions);
  const end = async (message: MetricsEnd): Promise<MetricsFinal> => {
    const final: MetricsFinal = { type: 'state' };
    if (message.report) final.report = accumulator.report();
    if (message.statePath === undefined) final.state = JSON.stringify(accumulator.toJSON());
    else final.stateFile = await writeStateFile(message.statePath, accumulator.toJSONChunks());
    return final;
  };
  port.on('message', (message: MetricsBatch | MetricsEnd) => {
    if (message.type === 'end') {
      void end(message).then(
        (final) => port.postMessage(final),
        (error: unknown) =>
          // Surfaces as the worker's 'error' event on the main thread.
          setImmediate(() => {
            throw error;
          }),
      );
      return;
    }
    const issues = new Map(message.issues);
    const samples = new Map(message.samples);
    const stride = DIGEST_WIDTH + 1;
    for (let i = 0; i < message.formats.length; i++) {
      const digest = readDigest(message.nums, i * stride, message.formats[i] as SampleDigest['format']);
      const line = message.nums[i * stride + DIGEST_WIDTH] as number;
      const batchIssues = issues.get(i);
      const json = samples.get(i);
      accumulator.addDigest(digest, batchIssues ? { line, issues: batchIssues } : { line }, json === undefined ? undefined : JSON.parse(json));
    }
    port.postMessage({ type: 'ack' });
  });
}
