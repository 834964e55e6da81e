import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeJobLeftovers } from '../internal/job-runner.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { auditLines, auth, startTestServer, type TestServer } from '../../test/helpers.js';

const record = (i: number) => JSON.stringify({ instruction: `Question ${i}?`, output: `Answer ${i}, long enough to keep.` });

async function waitFor(t: TestServer, id: string, states: string[]): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const job = (await t.app.inject({ url: `/v1/exports/${id}`, headers: auth('read') })).json() as Record<string, unknown>;
    if (states.includes(job['status'] as string)) return job;
    await sleep(50);
  }
  throw new Error(`job ${id} never reached ${states.join('/')}`);
}

describe('export jobs', () => {
  let t: TestServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lorakit-jobs-'));
    mkdirSync(join(dataDir, 'sources'));
    writeFileSync(join(dataDir, 'sources', 'crm.jsonl'), Array.from({ length: 50 }, (_, i) => record(i)).join('\n') + '\n');
    writeFileSync(join(dataDir, 'sources', 'big.jsonl'), Array.from({ length: 200_000 }, (_, i) => record(i)).join('\n') + '\n');
    t = await startTestServer(
      {
        sources: {
          crm: { type: 'jsonl', path: 'sources/crm.jsonl' },
          big: { type: 'jsonl', path: 'sources/big.jsonl' },
          missing: { type: 'jsonl', path: 'sources/nope.jsonl' },
          whole: { type: 'jsonl', path: '.' },
        },
        limits: { job_concurrency: 1 },
      },
      { dataDir },
    );
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const create = (body: object, scope: 'read' | 'export' = 'export') =>
    t.app.inject({ method: 'POST', url: '/v1/exports', headers: auth(scope), payload: body });

  it('runs a job on a named source and serves its files', async () => {
    const res = await create({ source: 'crm', config: { style: 'instruction', split: { validation: 0.2 } } });
    expect(res.statusCode).toBe(202);
    const { id } = res.json() as { id: string };
    expect(res.headers['location']).toBe(`/v1/exports/${id}`);
    const job = await waitFor(t, id, ['succeeded', 'failed']);
    expect(job['status']).toBe('succeeded');
    expect(job['stats']).toMatchObject({ read: 50, exported: 50 });
    expect(job['progress']).toMatchObject({ records: 50 });
    expect(job['files']).toEqual(expect.arrayContaining(['train.jsonl', 'validation.jsonl', 'rejects.jsonl']));
    const file = await t.app.inject({ url: `/v1/exports/${id}/files/train.jsonl`, headers: auth('read') });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-disposition']).toBe('attachment; filename="train.jsonl"');
    expect(file.body.trim().split('\n').length + 0).toBe((job['stats'] as { exportedBySplit: { train: number } }).exportedBySplit.train);
    expect(auditLines(t.logs)).toContainEqual(expect.objectContaining({ who: 'exporter', action: 'export.job.create', target: id, outcome: 'success' }));
  });

  it('never shows the server paths in its files: manifest.json shows the source relative to the data dir', async () => {
    const { id } = (await create({ source: 'crm', config: { style: 'instruction', output: { trainer_configs: true } } })).json() as { id: string };
    const job = await waitFor(t, id, ['succeeded', 'failed']);
    expect(job['status']).toBe('succeeded');
    for (const name of job['files'] as string[]) {
      const file = await t.app.inject({ url: `/v1/exports/${id}/files/${name}`, headers: auth('read') });
      expect(file.body, name).not.toContain(dataDir);
    }
    const manifest = (await t.app.inject({ url: `/v1/exports/${id}/files/manifest.json`, headers: auth('read') })).json() as { source: string };
    expect(manifest.source).toBe('jsonl sources/crm.jsonl');
  });

  it('refuses path traversal and unknown files in downloads', async () => {
    const { id } = (await create({ source: 'crm' })).json() as { id: string };
    await waitFor(t, id, ['succeeded']);
    for (const name of ['..%2F..%2Florakit.db', '.hidden', 'a%5Cb', '%2Fetc%2Fpasswd']) {
      const res = await t.app.inject({ url: `/v1/exports/${id}/files/${name}`, headers: auth('read') });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('SERVER_BAD_REQUEST');
    }
    // Unencoded dot segments are resolved by the URL parser before routing: they never reach the files route.
    for (const url of [`/v1/exports/${id}/files/..`, `/v1/exports/${id}/files/%2E%2E`, `/v1/exports/${id}/files/../../lorakit.db`]) {
      const res = await t.app.inject({ url, headers: auth('read') });
      expect(res.statusCode).not.toBe(200);
    }
    const unknown = await t.app.inject({ url: `/v1/exports/${id}/files/lorakit.db`, headers: auth('read') });
    expect(unknown.statusCode).toBe(404);
  });

  it('only accepts configured source names, never paths', async () => {
    expect((await create({ source: '/etc/passwd' })).statusCode).toBe(404);
    const res = await create({ source: 'crm', config: { source: { type: 'jsonl', path: '/etc/passwd' } } });
    expect(res.statusCode).toBe(400);
    expect((await create({ source: 'crm', config: { output: { dir: '/tmp/elsewhere' } } })).statusCode).toBe(400);
  });

  it('needs the export scope to create and cancel', async () => {
    expect((await create({ source: 'crm' }, 'read')).statusCode).toBe(403);
    const jobs = (await t.app.inject({ url: '/v1/exports', headers: auth('read') })).json() as { items: { id: string }[] };
    const first = jobs.items[0]?.id;
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/exports/${first}`, headers: auth('read') });
    expect(del.statusCode).toBe(403);
  });

  it('reports a failing source as failed with its error code', async () => {
    const { id } = (await create({ source: 'missing' })).json() as { id: string };
    const job = await waitFor(t, id, ['failed', 'succeeded']);
    expect(job['status']).toBe('failed');
    expect((job['error'] as { code: string }).code).toBe('EXPORT_SOURCE_NOT_FOUND');
    expect((job['error'] as { message: string }).message).toContain('sources/nope.jsonl');
    expect((job['error'] as { message: string }).message).not.toContain(dataDir);
  });

  it('names the data directory itself "." in job errors', async () => {
    const { id } = (await create({ source: 'whole' })).json() as { id: string };
    const job = await waitFor(t, id, ['failed', 'succeeded']);
    expect(job['error']).toEqual({
      code: 'EXPORT_SOURCE_UNREADABLE',
      message: 'Input is a directory, not a file: . (name one file as the source path)',
    });
  });

  it('ends a job whose quality gate failed as failed: EXPORT_GATES_FAILED, with the verdicts and its files', async () => {
    const res = await create({ source: 'crm', config: { quality_metrics: { gates: ['complianceRate >= 1.5', 'samples >= 1'] } } });
    expect(res.statusCode).toBe(202);
    const job = await waitFor(t, (res.json() as { id: string }).id, ['succeeded', 'failed']);
    expect(job['status']).toBe('failed');
    expect(job['error']).toMatchObject({ code: 'EXPORT_GATES_FAILED', message: expect.stringContaining('complianceRate >= 1.5') });
    expect(job['gates']).toMatchObject({ passed: false, failed: [{ gate: 'complianceRate >= 1.5', passed: false }] });
    expect((job['gates'] as { results: unknown[] }).results).toHaveLength(2);
    expect(job['stats']).toMatchObject({ read: 50, exported: 50 });
    const file = await t.app.inject({ url: `/v1/exports/${job['id'] as string}/files/train.jsonl`, headers: auth('read') });
    expect(file.statusCode).toBe(200);
  });

  it('shows passed gates on a succeeded job, and no gates when none were set', async () => {
    const passing = await waitFor(t, ((await create({ source: 'crm', config: { quality_metrics: { gates: ['samples >= 1'] } } })).json() as { id: string }).id, ['succeeded', 'failed']);
    expect(passing['status']).toBe('succeeded');
    expect(passing['error']).toBeNull();
    expect(passing['gates']).toMatchObject({ passed: true, failed: [] });
    const none = await waitFor(t, ((await create({ source: 'crm' })).json() as { id: string }).id, ['succeeded', 'failed']);
    expect(none['gates']).toBeNull();
  });

  it('ends a job that rejected every record as failed: EXPORT_NOTHING_EXPORTED, rejects still downloadable', async () => {
    const { id } = (await create({ source: 'crm', config: { filter: 'instruction == "nothing matches"' } })).json() as { id: string };
    const job = await waitFor(t, id, ['succeeded', 'failed']);
    expect(job['status']).toBe('failed');
    expect((job['error'] as { code: string }).code).toBe('EXPORT_NOTHING_EXPORTED');
    expect(job['stats']).toMatchObject({ read: 50, exported: 0, rejected: 50 });
    const rejects = await t.app.inject({ url: `/v1/exports/${id}/files/rejects.jsonl`, headers: auth('read') });
    expect(rejects.statusCode).toBe(200);
    expect(rejects.body.trim().split('\n')).toHaveLength(50);
  });

  it('refuses a bad filter, gate or inline schema with 400 and the key path, queueing nothing', async () => {
    const before = ((await t.app.inject({ url: '/v1/exports?limit=200', headers: auth('read') })).json() as { items: unknown[] }).items.length;
    // A bad filter is a config error like any other key's, naming the key.
    const badFilter = await create({ source: 'crm', config: { filter: '(( lang ==' } });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID', message: expect.stringContaining('filter: Invalid filter expression at column') });
    for (const gate of ['noSuchMetric >= 1', 'nonsense metric !!']) {
      const res = await create({ source: 'crm', config: { quality_metrics: { gates: [gate] } } });
      expect(res.statusCode, gate).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID', message: expect.stringContaining(`quality_metrics.gates.0: gate "${gate}"`) });
    }
    for (const [config, path] of [
      [{ structured_gen: { enabled: true, json_schema: { type: 'nonsense' } } }, 'config.structured_gen.json_schema:'],
    ] as const) {
      const res = await create({ source: 'crm', config });
      expect(res.statusCode, JSON.stringify(config)).toBe(400);
      expect(res.json().error.code).toBe('SERVER_BAD_REQUEST');
      expect(res.json().error.message).toMatch(new RegExp(`^${path.replace(/\./g, '\\.')}`));
    }
    const after = ((await t.app.inject({ url: '/v1/exports?limit=200', headers: auth('read') })).json() as { items: unknown[] }).items.length;
    expect(after).toBe(before);
  });

  it('refuses with 400, queueing nothing, what starting the export refuses: PII hashing without a key, a custom style without keys', async () => {
    // Before: 202, and the job ended failed.
    for (const [config, code] of [
      [{ pii: { policy: 'redact', strategy: 'hash' } }, 'EXPORT_CONFIG_INVALID'],
      [{ style: 'custom' }, 'EXPORT_MAPPING_INVALID'],
      [{ structured_gen: { enabled: true } }, 'EXPORT_SCHEMA_INVALID'],
    ] as const) {
      const res = await create({ source: 'crm', config });
      expect(res.statusCode, JSON.stringify(config)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
  });

  it('refuses worker threads above limits.export_worker_threads (default 2) with 400, the key path and the cap', async () => {
    for (const [config, path] of [
      [{ worker_threads: 64 }, 'config.worker_threads'],
      [{ quality_metrics: { worker_threads: 3 } }, 'config.quality_metrics.worker_threads'],
    ] as const) {
      const res = await create({ source: 'crm', config });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toBe(`${path}: ${path === 'config.worker_threads' ? 64 : 3} is above this server's limit of 2 (limits.export_worker_threads)`);
    }
    const ok = await create({ source: 'crm', config: { worker_threads: 2, quality_metrics: { worker_threads: 2 } } });
    expect(ok.statusCode).toBe(202);
    expect((await waitFor(t, (ok.json() as { id: string }).id, ['succeeded', 'failed']))['status']).toBe('succeeded');
  });

  it('queues beyond the concurrency cap and cancels queued and running jobs', async () => {
    const a = ((await create({ source: 'big' })).json() as { id: string }).id;
    const b = ((await create({ source: 'crm' })).json() as { id: string }).id;
    await waitFor(t, a, ['running']);
    expect(((await t.app.inject({ url: `/v1/exports/${b}`, headers: auth('read') })).json() as { status: string }).status).toBe('queued');
    const cancelQueued = await t.app.inject({ method: 'DELETE', url: `/v1/exports/${b}`, headers: auth('export') });
    expect(cancelQueued.statusCode).toBe(202);
    expect((cancelQueued.json() as { status: string }).status).toBe('cancelled');
    const cancelRunning = await t.app.inject({ method: 'DELETE', url: `/v1/exports/${a}`, headers: auth('export') });
    expect(cancelRunning.statusCode).toBe(202);
    expect((cancelRunning.json() as { status: string }).status).toBe('cancelled');
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/exports/${a}`, headers: auth('export') });
    expect(again.statusCode).toBe(409);
  });
});

describe('export jobs across a restart', () => {
  it('marks jobs a previous process left running as failed: interrupted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-restart-'));
    try {
      const store = await createSqliteStore({ file: join(dataDir, 'lorakit.db') });
      await store.migrate();
      await store.createJob({
        id: '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11', status: 'running', source: 'crm', config: {}, progress: { records: 10 },
        stats: null, quality: null, files: [], error: null, createdBy: 'x', createdAt: new Date().toISOString(),
        startedAt: new Date().toISOString(), finishedAt: null,
      });
      // A job another live server runs in this data dir: its lock is fresh, so its files stay.
      const live = '11111111-1111-4111-8111-111111111111';
      await store.createJob({
        id: live, status: 'running', source: 'crm', config: {}, progress: { records: 1 },
        stats: null, quality: null, files: [], error: null, createdBy: 'x', createdAt: new Date().toISOString(),
        startedAt: new Date().toISOString(), finishedAt: null,
      });
      // A job a restart within 30 s of its crash marked interrupted, its lock then still fresh: now stale, it goes.
      const earlier = '22222222-2222-4222-8222-222222222222';
      await store.createJob({
        id: earlier, status: 'failed', source: 'crm', config: {}, progress: { records: 1 },
        stats: null, quality: null, files: [], error: { code: 'interrupted', message: 'x' }, createdBy: 'x', createdAt: new Date().toISOString(),
        startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
      });
      await store.close();
      // What a SIGKILL during the export leaves: its temp output and its lock, no longer refreshed. Those of jobs not
      // unfinished stay.
      const exportsDir = join(dataDir, 'exports');
      mkdirSync(join(exportsDir, '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11.tmp-0a1b2c3d4e5f'), { recursive: true });
      writeFileSync(join(exportsDir, '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11.tmp-0a1b2c3d4e5f', 'train.jsonl'), '{}\n');
      mkdirSync(join(exportsDir, '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11.lock'));
      const stale = new Date(Date.now() - 60_000);
      utimesSync(join(exportsDir, '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11.lock'), stale, stale);
      mkdirSync(join(exportsDir, '00000000-0000-4000-8000-000000000000.lock'));
      mkdirSync(join(exportsDir, `${live}.tmp-0a1b2c3d4e5f`));
      mkdirSync(join(exportsDir, `${live}.lock`));
      mkdirSync(join(exportsDir, `${earlier}.tmp-0a1b2c3d4e5f`));
      mkdirSync(join(exportsDir, `${earlier}.lock`));
      utimesSync(join(exportsDir, `${earlier}.lock`), stale, stale);
      const t = await startTestServer({}, { dataDir });
      try {
        const job = (await t.app.inject({ url: '/v1/exports/6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11', headers: auth('read') })).json();
        expect(job.status).toBe('failed');
        expect(job.error.code).toBe('interrupted');
        expect(readdirSync(exportsDir).sort()).toEqual(['00000000-0000-4000-8000-000000000000.lock', `${live}.lock`, `${live}.tmp-0a1b2c3d4e5f`]);
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('sweeps later only the leftovers of jobs that are no longer running', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-sweep-'));
    try {
      const store = await createSqliteStore({ file: join(dataDir, 'lorakit.db') });
      await store.migrate();
      const job = (id: string, status: string) => store.createJob({
        id, status, source: 'crm', config: {}, progress: null, stats: null, quality: null, files: [], error: null, createdBy: 'x',
        createdAt: new Date().toISOString(), startedAt: null, finishedAt: null,
      } as Parameters<typeof store.createJob>[0]);
      const running = '33333333-3333-4333-8333-333333333333';
      const done = '44444444-4444-4444-8444-444444444444';
      await job(running, 'running');
      await job(done, 'failed');
      const exportsDir = join(dataDir, 'exports');
      const stale = new Date(Date.now() - 60_000);
      for (const id of [running, done]) {
        mkdirSync(join(exportsDir, `${id}.tmp-0a1b`), { recursive: true });
        mkdirSync(join(exportsDir, `${id}.lock`));
        utimesSync(join(exportsDir, `${id}.lock`), stale, stale);
      }
      const log = { warn: () => undefined } as unknown as Parameters<typeof removeJobLeftovers>[2];
      await removeJobLeftovers(store, dataDir, log, false);
      // This process may be running the running one (its lock refreshed by then): only the failed job's files go.
      expect(readdirSync(exportsDir).sort()).toEqual([`${running}.lock`, `${running}.tmp-0a1b`]);
      await store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
