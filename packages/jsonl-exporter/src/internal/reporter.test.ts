import { Worker } from 'node:worker_threads';
import { createQualityAccumulator } from '@lorakit/quality-metrics';
import { describe, expect, it } from 'vitest';
import { parseExportConfig } from '../export-config.js';
import { createExportStats } from '../export-stats.js';
import { Reporter, toFunnel } from './reporter.js';

const config = parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' } });

// A stand-in for metrics-worker.js speaking the same protocol (the real one runs from dist/, not from TS source):
// it acks each batch slowly, counts lines, and answers `end` with the state it was given.
const FAKE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let lines = 0;
parentPort.on('message', (m) => {
  if (m.type === 'end') return parentPort.postMessage({ type: 'state', state: { ...workerData.state, seen: lines } });
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
    for (let i = 0; i < 10_000; i++) {
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
    stats.read = 10_000;
    stats.exported = 10_000;
    const result = await reporter.finish(stats);
    // Two workers each return the one-sample state they were given: merged, that is two samples.
    expect(result.report?.counts.samples).toBe(2);
    expect(result.report?.funnel).toEqual(toFunnel(stats));
    expect((reporter.state() as { stateVersion: number }).stateVersion).toBe(1);
  });

  it('turns a crashing worker into EXPORT_METRICS_FAILED', async () => {
    const worker = new Worker(FAKE_WORKER, { eval: true, workerData: { state: {}, crash: true } });
    const reporter = new Reporter(config, { workers: [worker] });
    for (let i = 0; i < 600; i++) reporter.add(sample(i), JSON.stringify(sample(i)), {});
    await expect(reporter.finish(createExportStats())).rejects.toMatchObject({ code: 'EXPORT_METRICS_FAILED' });
    await reporter.destroy();
  });
});
