// Worker thread of the quality report: measures exported samples off the main thread, which keeps running the
// pipeline. Receives batches of JSON lines, answers each with an ack (for backpressure), and on `end` returns the
// accumulator state (written to the export's temp directory, or as text when several workers' states must merge)
// and, when it is the only worker, the report, so the main thread never rebuilds a state sized by the samples.
import { parentPort, workerData } from 'node:worker_threads';
import { createQualityAccumulator, type QualityAccumulatorOptions, type QualityReport } from '@lorakit/quality-metrics';
import { writeStateFile, type WrittenState } from './state-file.js';

/** A batch of exported samples. */
export interface MetricsBatch {
  type: 'batch';
  lines: string[];
  sourceLines: number[];
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
    const text = JSON.stringify(accumulator.toJSON());
    if (message.statePath === undefined) final.state = text;
    else final.stateFile = await writeStateFile(message.statePath, text);
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
    for (let i = 0; i < message.lines.length; i++) {
      const sample: unknown = JSON.parse(message.lines[i] as string);
      const batchIssues = issues.get(i);
      accumulator.add(sample, batchIssues ? { line: message.sourceLines[i] as number, issues: batchIssues } : { line: message.sourceLines[i] as number });
    }
    port.postMessage({ type: 'ack' });
  });
}
