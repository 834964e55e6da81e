// Worker thread of the quality report: measures exported samples off the main thread, which keeps running the
// pipeline. Receives batches of JSON lines, answers each with an ack (for backpressure), and on `end` returns the
// accumulator state as JSON text (and the report, when it is the only worker), so the main thread need not rebuild it.
import { parentPort, workerData } from 'node:worker_threads';
import { createQualityAccumulator, type QualityAccumulatorOptions, type QualityReport } from '@lorakit/quality-metrics';

/** A batch of exported samples. */
export interface MetricsBatch {
  type: 'batch';
  lines: string[];
  sourceLines: number[];
  /** Validation issues of kept-but-invalid samples, by index in the batch. */
  issues: [number, { code: string; path: string; message: string }[]][];
}

/** What a worker answers `end` with: its state as JSON text, and its report when it is the only worker. */
export interface MetricsFinal {
  type: 'state';
  state: string;
  report?: QualityReport;
}

const port = parentPort;
if (port) {
  const accumulator = createQualityAccumulator(workerData as QualityAccumulatorOptions);
  port.on('message', (message: MetricsBatch | { type: 'end'; report: boolean }) => {
    if (message.type === 'end') {
      const final: MetricsFinal = { type: 'state', state: JSON.stringify(accumulator.toJSON()) };
      if (message.report) final.report = accumulator.report();
      port.postMessage(final);
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
