import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as JsonlExporter from '@lorakit/jsonl-exporter';
import type { ExportConfig, ExportResult } from '@lorakit/jsonl-exporter';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerMetrics } from '../metrics.js';
import type { JobPatch, RegistryStore } from '../store/registry-store.js';
import { createJobRunner } from './job-runner.js';

// Each export is a promise the test settles, so the runner's waiting is observed without timers.
const exports = new Map<string, { release: () => void }>();
vi.mock('@lorakit/jsonl-exporter', async (importOriginal) => ({
  ...(await importOriginal<typeof JsonlExporter>()),
  runExport: (config: ExportConfig, options: { signal: AbortSignal }) =>
    new Promise<ExportResult>((resolve, reject) => {
      const id = config.output.dir;
      options.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { code: 'EXPORT_ABORTED' })));
      exports.set(id, {
        release: () => resolve({ stats: { read: 0, exported: 0, rejected: 0 } as unknown as ExportResult['stats'], files: [], warnings: [] }),
      });
    }),
}));

function fakeRunner(cwd: string, storeDown: () => boolean = () => false, endRetryMs?: number) {
  const patches: { id: string; patch: JobPatch }[] = [];
  const store = {
    updateJob: async (id: string, patch: JobPatch) => {
      if (storeDown()) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'SERVER_STORE_FAILED' });
      return (patches.push({ id, patch }), true);
    },
  } as unknown as RegistryStore;
  const metrics = { exportRecords: { inc: () => undefined } } as unknown as ServerMetrics;
  const errors: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (_: unknown, message: string) => errors.push(message) } as unknown as FastifyBaseLogger;
  const runner = createJobRunner({ store, metrics, concurrency: 2, env: {}, log, ...(endRetryMs === undefined ? {} : { endRetryMs }) });
  const submit = (id: string) => runner.submit(id, { output: { dir: id } } as unknown as ExportConfig, cwd);
  return { runner, submit, patches, errors };
}

describe('createJobRunner', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('cancelling a running job waits for that job only, not for the other running ones', { timeout: 10_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lorakit-runner-'));
    dirs.push(cwd);
    const { runner, submit, patches } = fakeRunner(cwd);
    submit('slow');
    submit('doomed');
    await vi.waitUntil(() => exports.has('slow') && exports.has('doomed'));
    // Before the fix cancel() awaited every running job: 'slow' ends only after cancel() returned, so it never did.
    expect(await runner.cancel('doomed')).toBe(true);
    expect(patches.filter((p) => p.id === 'doomed').at(-1)?.patch.status).toBe('cancelled');
    expect(runner.runningCount()).toBe(1);
    exports.get('slow')?.release();
    await runner.close();
  });

  it('stores the end of a job once the store is back, rather than leaving it running', { timeout: 10_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lorakit-runner-'));
    dirs.push(cwd);
    mkdirSync(join(cwd, 'outage'));
    let down = false;
    const { runner, submit, patches } = fakeRunner(cwd, () => down);
    submit('outage');
    await vi.waitUntil(() => exports.has('outage'));
    down = true;
    exports.get('outage')?.release();
    // Before: the final update failed, so did the failure update, and the job stayed `running` until a restart.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(patches.filter((p) => p.id === 'outage').at(-1)?.patch.status).toBe('running');
    down = false;
    await vi.waitUntil(() => runner.runningCount() === 0, { timeout: 5_000 });
    expect(patches.filter((p) => p.id === 'outage').at(-1)?.patch).toMatchObject({ status: 'succeeded', error: null });
    await runner.close();
  });

  it('gives up on a store that does not come back without calling the finished export a failure', { timeout: 10_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lorakit-runner-'));
    dirs.push(cwd);
    mkdirSync(join(cwd, 'gone'));
    let down = false;
    const { runner, submit, patches, errors } = fakeRunner(cwd, () => down, 1_000);
    submit('gone');
    await vi.waitUntil(() => exports.has('gone'));
    down = true;
    exports.get('gone')?.release();
    await vi.waitUntil(() => runner.runningCount() === 0, { timeout: 5_000 });
    down = false;
    // Before: the failure path tried again, to store `failed` for an export whose files were written.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(patches.filter((p) => p.id === 'gone').map((p) => p.patch.status)).toEqual(['running']);
    expect(errors).toEqual(['could not store the end of job gone']);
    await runner.close();
  });

  it('a job that succeeds clears an error another server stored meanwhile (interrupted)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lorakit-runner-'));
    dirs.push(cwd);
    mkdirSync(join(cwd, 'late'));
    const { runner, submit, patches } = fakeRunner(cwd);
    submit('late');
    await vi.waitUntil(() => exports.has('late'));
    exports.get('late')?.release();
    await vi.waitUntil(() => runner.runningCount() === 0);
    const last = patches.filter((p) => p.id === 'late').at(-1)?.patch;
    expect(last).toMatchObject({ status: 'succeeded', error: null });
    await runner.close();
  });
});
