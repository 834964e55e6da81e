// Worker thread of the quality report: measures exported samples off the main thread, which keeps running the
// pipeline. Receives batches of JSON lines, answers each with an ack (for backpressure), and on `end` returns the
// accumulator state, which the main thread restores with accumulatorFromJSON.
import { parentPort, workerData } from 'node:worker_threads';
import { createQualityAccumulator, type QualityAccumulatorOptions } from '@lorakit/quality-metrics';

/** A batch of exported samples. */
export interface MetricsBatch {
  type: 'batch';
  lines: string[];
  sourceLines: number[];
  /** Validation issues of kept-but-invalid samples, by index in the batch. */
  issues: [number, { code: string; path: string; message: string }[]][];
}

const port = parentPort;
if (port) {
  const accumulator = createQualityAccumulator(workerData as QualityAccumulatorOptions);
  port.on('message', (message: MetricsBatch | { type: 'end' }) => {
    if (message.type === 'end') {
      port.postMessage({ type: 'state', state: accumulator.toJSON() });
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
