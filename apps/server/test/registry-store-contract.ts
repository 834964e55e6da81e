import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterRecord, JobRecord, RegistryStore } from '../src/store/registry-store.js';

function adapter(id: string, version: string, extra: Partial<AdapterRecord> = {}): AdapterRecord {
  return {
    id,
    version,
    domain: 'law',
    baseModel: 'Qwen/Qwen2.5-7B-Instruct',
    task: 'qa',
    metadata: { name: id, version, nested: { list: [1, 'two', null] } },
    trainingDefaults: ['lora_dropout'],
    createdBy: 'tester',
    createdAt: '2026-01-02T03:04:05.000Z',
    ...extra,
  };
}

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    status: 'queued',
    source: 'crm',
    config: { style: 'chat' },
    progress: null,
    stats: null,
    quality: null,
    files: [],
    error: null,
    createdBy: 'tester',
    createdAt: '2026-01-02T03:04:05.000Z',
    startedAt: null,
    finishedAt: null,
    ...extra,
  };
}

/**
 * The one contract every {@link RegistryStore} implementation passes (unstorage's `testDriver` pattern).
 * `open` returns a fresh, empty store; it is migrated here.
 */
export function testRegistryStore(name: string, open: () => Promise<RegistryStore>): void {
  describe(`RegistryStore contract: ${name}`, () => {
    let store: RegistryStore;
    beforeAll(async () => {
      store = await open();
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('migrates idempotently and answers ping', async () => {
      await store.migrate();
      await store.migrate();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('runs serialized registrations one at a time, and goes on after one fails', async () => {
      const trace: string[] = [];
      const step = (name: string, fail = false) => async () => {
        trace.push(`${name} in`);
        // Time for another caller to run, were it not held back.
        await new Promise((resolve) => setTimeout(resolve, 20));
        trace.push(`${name} out`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      };
      const results = await Promise.allSettled([
        store.serializeRegistrations(step('a')),
        store.serializeRegistrations(step('b', true)),
        store.serializeRegistrations(step('c')),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b failed', 'c']);
      // Whatever the order they got the lock in, none started before the one before it ended.
      for (let i = 0; i < trace.length; i += 2) expect(trace[i + 1]).toBe(trace[i]?.replace(' in', ' out'));
    });

    it('stores an adapter version and returns it unchanged', async () => {
      expect(await store.insertAdapter(adapter('tax-qa', '1.0.0'))).toBe('created');
      expect(await store.getAdapter('tax-qa', '1.0.0')).toEqual(adapter('tax-qa', '1.0.0'));
      expect(await store.getAdapter('tax-qa', '9.9.9')).toBeUndefined();
    });

    it('refuses to overwrite a registered version', async () => {
      await store.insertAdapter(adapter('immut', '1.0.0'));
      const again = adapter('immut', '1.0.0', { metadata: { changed: true }, domain: 'other' });
      expect(await store.insertAdapter(again)).toBe('conflict');
      expect((await store.getAdapter('immut', '1.0.0'))?.metadata).toEqual(adapter('immut', '1.0.0').metadata);
    });

    it('lists versions in semver order and latest versions by filter with paging', async () => {
      await store.insertAdapter(adapter('multi', '1.0.0'));
      await store.insertAdapter(adapter('multi', '1.1.0', { domain: 'finance' }));
      expect((await store.listAdapterVersions('multi')).map((a) => a.version)).toEqual(['1.0.0', '1.1.0']);
      expect(await store.listAdapterVersions('nope')).toEqual([]);

      const finance = await store.listAdapters({ domain: 'finance', limit: 10, offset: 0 });
      expect(finance.items.map((a) => `${a.id}@${a.version}`)).toEqual(['multi@1.1.0']);
      expect(finance.total).toBe(1);

      const law = await store.listAdapters({ domain: 'law', limit: 10, offset: 0 });
      expect(law.items.map((a) => a.id)).toEqual(['immut', 'tax-qa']);

      await store.insertAdapter(adapter('other-base', '0.1.0', { baseModel: 'meta-llama/Llama-3.1-8B', task: 'chat' }));
      const byBase = await store.listAdapters({ baseModel: 'meta-llama/Llama-3.1-8B', limit: 10, offset: 0 });
      expect(byBase.items.map((a) => a.id)).toEqual(['other-base']);
      const byTask = await store.listAdapters({ task: 'chat', limit: 10, offset: 0 });
      expect(byTask.items.map((a) => a.id)).toEqual(['other-base']);

      const page1 = await store.listAdapters({ limit: 2, offset: 0 });
      const page2 = await store.listAdapters({ limit: 2, offset: 2 });
      expect(page1.total).toBe(4);
      expect([...page1.items, ...page2.items].map((a) => a.id)).toEqual(['immut', 'multi', 'other-base', 'tax-qa']);
    });

    it('takes the highest release as the latest, not the last registered nor a pre-release', async () => {
      for (const version of ['1.0.0', '1.0.10', '1.0.9', '1.1.0-rc.1', '1.0.10+build.2']) {
        await store.insertAdapter(adapter('semver', version, { domain: 'semver' }));
      }
      expect((await store.listAdapterVersions('semver')).map((a) => a.version)).toEqual([
        '1.0.0', '1.0.9', '1.0.10', '1.0.10+build.2', '1.1.0-rc.1',
      ]);
      const latest = await store.listAdapters({ domain: 'semver', limit: 10, offset: 0 });
      expect(latest.items.map((a) => a.version)).toEqual(['1.0.10+build.2']);
      expect((await store.getLatestAdapter('semver'))?.version).toBe('1.0.10+build.2');
      await store.insertAdapter(adapter('semver', '1.1.0', { domain: 'semver' }));
      await store.insertAdapter(adapter('semver', '1.1.0-rc.2', { domain: 'semver' }));
      expect((await store.listAdapters({ domain: 'semver', limit: 10, offset: 0 })).items.map((a) => a.version)).toEqual([
        '1.1.0',
      ]);
      expect((await store.getLatestAdapter('semver'))?.version).toBe('1.1.0');
      expect(await store.getLatestAdapter('nope')).toBeUndefined();
    });

    it('takes the highest pre-release as the latest of an adapter without a release', async () => {
      for (const version of ['2.0.0-rc.1', '2.0.0-beta.3', '1.0.0-alpha']) {
        await store.insertAdapter(adapter('preview', version, { domain: 'preview' }));
      }
      expect((await store.listAdapters({ domain: 'preview', limit: 10, offset: 0 })).items.map((a) => a.version)).toEqual([
        '2.0.0-rc.1',
      ]);
      expect((await store.getLatestAdapter('preview'))?.version).toBe('2.0.0-rc.1');
      await store.insertAdapter(adapter('preview', '0.9.0', { domain: 'preview' }));
      expect((await store.getLatestAdapter('preview'))?.version).toBe('0.9.0');
    });

    it('keeps which training fields were defaulted, or null when unknown', async () => {
      await store.insertAdapter(adapter('defaults-unknown', '1.0.0', { trainingDefaults: null }));
      expect((await store.getAdapter('defaults-unknown', '1.0.0'))?.trainingDefaults).toBeNull();
      await store.insertAdapter(adapter('defaults-none', '1.0.0', { trainingDefaults: [] }));
      expect((await store.getAdapter('defaults-none', '1.0.0'))?.trainingDefaults).toEqual([]);
    });

    it('creates, updates and lists jobs', async () => {
      await store.createJob(job('job-a'));
      await store.createJob(job('job-b', { createdAt: '2026-01-02T03:04:06.000Z' }));
      expect(
        await store.updateJob('job-a', {
          status: 'succeeded',
          progress: { records: 10 },
          stats: { written: 9, rejected: 1 },
          quality: { samples: 9 },
          files: ['train.jsonl', 'rejects.jsonl'],
          startedAt: '2026-01-02T03:04:05.500Z',
          finishedAt: '2026-01-02T03:04:07.000Z',
        }),
      ).toBe(true);
      expect(await store.updateJob('missing', { status: 'running' })).toBe(false);
      const a = await store.getJob('job-a');
      expect(a).toEqual(
        job('job-a', {
          status: 'succeeded',
          progress: { records: 10 },
          stats: { written: 9, rejected: 1 },
          quality: { samples: 9 },
          files: ['train.jsonl', 'rejects.jsonl'],
          startedAt: '2026-01-02T03:04:05.500Z',
          finishedAt: '2026-01-02T03:04:07.000Z',
        }),
      );
      expect((await store.listJobs(10)).map((j) => j.id).slice(0, 2)).toEqual(['job-b', 'job-a']);
      expect(await store.getJob('missing')).toBeUndefined();
    });

    it('marks unfinished jobs failed: interrupted', async () => {
      await store.createJob(job('job-running', { status: 'running', startedAt: '2026-01-02T03:04:05.000Z' }));
      await store.createJob(job('job-done', { status: 'succeeded' }));
      const n = await store.interruptUnfinishedJobs('2026-01-03T00:00:00.000Z');
      expect(n).toBe(2); // job-b (queued) and job-running
      const interrupted = await store.getJob('job-running');
      expect(interrupted?.status).toBe('failed');
      expect(interrupted?.error?.code).toBe('interrupted');
      expect(interrupted?.finishedAt).toBe('2026-01-03T00:00:00.000Z');
      expect((await store.getJob('job-done'))?.status).toBe('succeeded');
      const counts = await store.countJobs();
      expect(counts.failed).toBe(2);
      expect(counts.succeeded).toBe(2);
    });
  });
}
