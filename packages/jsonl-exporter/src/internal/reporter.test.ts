import { Worker } from 'node:worker_threads';
import { createQualityAccumulator } from '@lorakit/quality-metrics';
import { describe, expect, it } from 'vitest';
import { parseExportConfig } from '../export-config.js';
import { createExportStats } from '../export-stats.js';
import { Reporter, toFunnel } from './reporter.js';

const config = parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' } });

// A stand-in for metrics-worker.js speaking the same protocol (the real one runs from dist/, not from TS source):
// it acks each batch slowly, counts lines, and answers `end` with the state it was given (as JSON text) and, when it
// is the only worker, a report of its own.
const FAKE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let lines = 0;
parentPort.on('message', (m) => {
  if (m.type === 'end') {
    const final = { type: 'state', state: JSON.stringify({ ...workerData.state, seen: lines }) };
    if (m.report) final.report = { counts: { samples: lines } };
    return parentPort.postMessage(final);
  }
  if (workerData.crash) throw new Error('boom');
  lines += m.lines.length;
  setTimeout(() => parentPort.postMessage({ type: 'ack' }), 2);
});`;

function sample(i: number) {
  return { instruction: `q${i}`, input: '', output: `a${i}` };
}

describe('Reporter with a worker', () => {
  it('spreads batches over the workers with backpressure and merges the states they return', async () => {
    const acc = createQualityAccumulator({ nearDup: false });
    acc.add(sample(1), { line: 1 });
    const workers = [0, 1].map(() => new Worker(FAKE_WORKER, { eval: true, workerData: { state: acc.toJSON() } }));
    const reporter = new Reporter(config, { workers });
    let waits = 0;
    // More batches than the workers may have in flight together, so the pipeline must wait.
    for (let i = 0; i < 100_000; i++) {
      const s = sample(i);
      reporter.add(s, JSON.stringify(s), { line: i + 1 });
      const behind = reporter.backpressure();
      if (behind) {
        waits++;
        await behind;
      }
    }
    expect(waits).toBeGreaterThan(0);
    const stats = createExportStats();
    stats.read = 100_000;
    stats.exported = 100_000;
    const result = await reporter.finish(stats);
    // Two workers each return the one-sample state they were given: merged, that is two samples.
    expect(result.report?.counts.samples).toBe(2);
    expect(result.report?.funnel).toEqual(toFunnel(stats));
    expect((JSON.parse(reporter.state() ?? 'null') as { stateVersion: number }).stateVersion).toBe(2);
  });

  it('takes the report and state text from a single worker as they are', async () => {
    const acc = createQualityAccumulator({ nearDup: false });
    const worker = new Worker(FAKE_WORKER, { eval: true, workerData: { state: acc.toJSON() } });
    const reporter = new Reporter(config, { workers: [worker] });
    for (let i = 0; i < 1000; i++) reporter.add(sample(i), JSON.stringify(sample(i)), { line: i + 1 });
    const result = await reporter.finish(createExportStats());
    expect(result.report?.counts).toEqual({ samples: 1000 });
    expect(JSON.parse(reporter.state() ?? 'null')).toMatchObject({ stateVersion: 2, seen: 1000 });
  });

  it('turns a crashing worker into EXPORT_METRICS_FAILED', async () => {
    const worker = new Worker(FAKE_WORKER, { eval: true, workerData: { state: {}, crash: true } });
    const reporter = new Reporter(config, { workers: [worker] });
    for (let i = 0; i < 600; i++) reporter.add(sample(i), JSON.stringify(sample(i)), {});
    await expect(reporter.finish(createExportStats())).rejects.toMatchObject({ code: 'EXPORT_METRICS_FAILED' });
    await reporter.destroy();
  });
});
