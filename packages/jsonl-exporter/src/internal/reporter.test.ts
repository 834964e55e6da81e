import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createQualityAccumulator, digestSample, isMeasured } from '@lorakit/quality-metrics';
import { describe, expect, it } from 'vitest';
import { parseExportConfig } from '../export-config.js';
import { createExportStats } from '../export-stats.js';
import { Reporter, toFunnel } from './reporter.js';

const config = parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' } });

// A stand-in for metrics-worker.js speaking the same protocol (the real one runs from dist/, not from TS source):
// it acks each batch slowly, counts samples and those sent whole, and answers `end` with the state it was given (as JSON text, or written to
// `statePath`) and, when asked, a report of its own.
const FAKE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let lines = 0;
let whole = 0;
parentPort.on('message', (m) => {
  if (m.type === 'end') {
    const text = JSON.stringify({ ...workerData.state, seen: lines, whole });
    const final = { type: 'state' };
    if (m.report) final.report = { counts: { samples: lines } };
    if (m.statePath) {
      require('node:fs').writeFileSync(m.statePath, text + '\\n');
      final.stateFile = { bytes: text.length + 1, sha256: 'fake' };
    } else final.state = text;
    return parentPort.postMessage(final);
  }
  if (workerData.crash) throw new Error('boom');
  lines += m.formats.length;
  whole += m.samples.length;
  setTimeout(() => parentPort.postMessage({ type: 'ack' }), 2);
});`;

function sample(i: number) {
  return { instruction: `q${i}`, input: '', output: `a${i}` };
}

/** Adds the samples as the export does, waiting whenever the reporter says so; returns how often it did. */
async function feed(reporter: Reporter, samples: Record<string, unknown>[]): Promise<number> {
  let waits = 0;
  for (const [i, s] of samples.entries()) {
    reporter.add(s, JSON.stringify(s), digestSample(s), { line: i + 1 });
    const behind = reporter.backpressure();
    if (behind) {
      waits++;
      await behind;
    }
  }
  return waits;
}

describe('Reporter with a worker', () => {
  it('spreads batches over the workers with backpressure and merges the states they return', async () => {
    const acc = createQualityAccumulator({ nearDup: false });
    acc.add(sample(1), { line: 1 });
    const workers = [0, 1].map(() => new Worker(FAKE_WORKER, { eval: true, workerData: { state: acc.toJSON() } }));
    const reporter = new Reporter(config, { workers });
    // More batches than the workers may have in flight together, so the pipeline must wait.
    expect(await feed(reporter, Array.from({ length: 100_000 }, (_, i) => sample(i)))).toBeGreaterThan(0);
    const stats = createExportStats();
    stats.read = 100_000;
    stats.exported = 100_000;
    const statePath = join(await mkdtemp(join(tmpdir(), 'lorakit-reporter-')), 'state.json');
    const result = await reporter.finish(stats, statePath);
    // Two workers each return the one-sample state they were given: merged, that is two samples.
    expect(result.report?.counts.samples).toBe(2);
    expect(result.report?.funnel).toEqual(toFunnel(stats));
    // The merged state is written here, with its size and hash.
    const text = await readFile(statePath, 'utf8');
    expect((JSON.parse(text) as { stateVersion: number }).stateVersion).toBe(3);
    expect(result.stateFile).toEqual({ bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
  });

  it('waits on the characters of the samples in flight, not only on their batches', async () => {
    const acc = createQualityAccumulator({ nearDup: false });
    const workers = [new Worker(FAKE_WORKER, { eval: true, workerData: { state: acc.toJSON() } })];
    // Sample rate 1: every sample goes to the worker whole. 100 samples of 200k characters are 20M characters in
    // well under one batch of 512: only the character budget can hold them back.
    const reporter = new Reporter(config, { workers }, 1);
    const long = 'x'.repeat(200_000);
    expect(await feed(reporter, Array.from({ length: 100 }, (_, i) => ({ instruction: `q${i}`, input: '', output: `${long}${i}` })))).toBeGreaterThan(0);
    const stats = createExportStats();
    stats.read = stats.exported = 100;
    const result = await reporter.finish(stats);
    // The one worker counted every sample (its report).
    expect(result.report?.counts.samples).toBe(100);
  });

  it('lets a single worker send its report and write its state itself, sending whole only the sampled samples', async () => {
    const acc = createQualityAccumulator({ nearDup: false });
    const worker = new Worker(FAKE_WORKER, { eval: true, workerData: { state: acc.toJSON() } });
    const reporter = new Reporter(config, { workers: [worker] }, 0.1);
    let measured = 0;
    for (let i = 0; i < 1000; i++) {
      const digest = digestSample(sample(i));
      if (isMeasured(digest, 0.1)) measured++;
      reporter.add(sample(i), JSON.stringify(sample(i)), digest, { line: i + 1 });
    }
    const statePath = join(await mkdtemp(join(tmpdir(), 'lorakit-reporter-')), 'state.json');
    const result = await reporter.finish(createExportStats(), statePath);
    expect(result.report?.counts).toEqual({ samples: 1000 });
    // The worker wrote the state itself: the main thread only learns its size and hash.
    expect(JSON.parse(await readFile(statePath, 'utf8'))).toMatchObject({ stateVersion: 3, seen: 1000, whole: measured });
    // The export drops exact duplicates (the default), so only the content sample needs its JSON line.
    expect(measured).toBeGreaterThan(50);
    expect(measured).toBeLessThan(150);
    expect(result.stateFile?.sha256).toBe('fake');
  });

  it('turns a crashing worker into EXPORT_METRICS_FAILED', async () => {
    const worker = new Worker(FAKE_WORKER, { eval: true, workerData: { state: {}, crash: true } });
    const reporter = new Reporter(config, { workers: [worker] });
    for (let i = 0; i < 600; i++) reporter.add(sample(i), JSON.stringify(sample(i)), digestSample(sample(i)), {});
    await expect(reporter.finish(createExportStats())).rejects.toMatchObject({ code: 'EXPORT_METRICS_FAILED' });
    await reporter.destroy();
  });
});
