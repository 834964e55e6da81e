import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../../../../tools/test-env.mjs';
import { auth, startTestServer, type TestServer } from '../../test/helpers.js';
import { meta } from '../../test/metadata.js';
import { testRegistryStore } from '../../test/registry-store-contract.js';
import { createPostgresStore } from './postgres-store.js';
import type { RegistryStore } from './registry-store.js';
import { createSqliteStore } from './sqlite-store.js';

const url = postgresUrl();
// One schema per test run so parallel runs never see each other's rows; dropped at the end.
const schema = `lorakit_test_${randomBytes(6).toString('hex')}`;
const serverSchema = `${schema}_srv`;
const oldSchema = `${schema}_v1`;
const rollingSchema = `${schema}_rolling`;
const raceSchema = `${schema}_race`;

describe('postgres store that does not answer', () => {
  it('tells /readyz, which anyone may ask, nothing of its location, and its own errors no password', async () => {
    // Port 1: nothing listens there. pg also takes a password from the query string.
    const down = await createPostgresStore({ connectionString: 'postgres://ops:s3cret@127.0.0.1:1/test?password=hunter2&application_name=x' });
    const failure = await down.ping().then(() => '', (error: Error) => error.message);
    // Before: "…/test?password=hunter2&application_name=x (schema public): ping failed: connect ECONNREFUSED …".
    expect(failure).toContain('127.0.0.1:1/test?password=***');
    expect(failure).not.toMatch(/hunter2|s3cret/);
    await down.close();
    // A store that went down after the server started.
    const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-pg-down-'));
    const store = await createSqliteStore({ file: join(dataDir, 'lorakit.db') });
    await store.migrate();
    const t = await startTestServer({}, { dataDir, store });
    store.ping = () => Promise.reject(new Error(failure));
    try {
      const ready = await t.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'unavailable', store: 'sqlite', error: 'the registry store does not answer (the server log says why)' });
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(url === undefined)('postgres store', () => {
  afterAll(async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${serverSchema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${oldSchema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${rollingSchema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${raceSchema}" CASCADE`);
    await client.end();
  });

  testRegistryStore('postgres', () => createPostgresStore({ connectionString: url ?? '', schema }));

  it('serves the registry from PostgreSQL through the HTTP routes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-pg-server-'));
    const store = await createPostgresStore({ connectionString: url ?? '', schema: serverSchema });
    await store.migrate();
    const t = await startTestServer({}, { dataDir, store });
    try {
      const created = await t.app.inject({ method: 'POST', url: '/v1/adapters', headers: auth('admin'), payload: meta('pg-qa', '1.0.0', { domain: 'law' }) });
      expect(created.statusCode).toBe(201);
      const again = await t.app.inject({ method: 'POST', url: '/v1/adapters', headers: auth('admin'), payload: meta('pg-qa', '1.0.0') });
      expect(again.statusCode).toBe(409);
      const list = (await t.app.inject({ url: '/v1/adapters?domain=law', headers: auth('read') })).json();
      expect(list.items.map((a: { id: string }) => a.id)).toEqual(['pg-qa']);
      expect(list.items[0].metadata.base_model.name).toBe('Qwen/Qwen2.5-7B-Instruct');
      expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', store: 'postgres' });
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('lets no two servers on one database each register half of a lineage cycle', { timeout: 30_000 }, async () => {
    const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'lorakit-pg-race-')));
    const stores = await Promise.all(dirs.map(() => createPostgresStore({ connectionString: url ?? '', schema: raceSchema })));
    await stores[0]?.migrate();
    const servers = await Promise.all(dirs.map((dataDir, i) => startTestServer({}, { dataDir, store: stores[i] as RegistryStore })));
    try {
      const register = (server: number, id: string, parent: string) =>
        (servers[server] as TestServer).app.inject({
          method: 'POST',
          url: '/v1/adapters',
          headers: auth('admin'),
          payload: meta(id, '1.0.0', {}, { provenance: { parent_adapter_id: parent, parent_adapter_version: '1.0.0' } }),
        });
      // Before: both 201 in 8 of 10 tries, and both lineages answered 422 for good.
      for (let i = 0; i < 5; i++) {
        const codes = (await Promise.all([register(0, `race-a${i}`, `race-b${i}`), register(1, `race-b${i}`, `race-a${i}`)])).map((r) => r.statusCode);
        expect(codes.sort(), `try ${i}`).toEqual([201, 422]);
      }
      // More waiting registrations than the pool has clients (10): before, each waiter held one while it waited,
      // the holder got none for its queries, and the store hung for good.
      const many = await Promise.all(Array.from({ length: 14 }, (_, i) => register(0, `many-${i}`, 'race-a0')));
      expect(many.map((r) => r.statusCode)).toEqual(Array.from({ length: 14 }, () => 201));
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades a database of the first release so its latest versions follow semver', async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The schema as the first release shipped it (migration 1), with versions registered out of order.
      await client.query(`CREATE SCHEMA "${oldSchema}"; SET search_path = "${oldSchema}";
        CREATE TABLE lorakit_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL);
        INSERT INTO lorakit_migrations VALUES (1, now());
        CREATE TABLE adapters (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL,
          version TEXT NOT NULL, domain TEXT, base_model TEXT, task TEXT, metadata JSONB NOT NULL,
          created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, UNIQUE (id, version));
        CREATE FUNCTION lorakit_adapters_immutable() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'registered adapter versions are immutable'; END $$;
        CREATE TRIGGER adapters_immutable BEFORE UPDATE ON adapters
          FOR EACH ROW EXECUTE FUNCTION lorakit_adapters_immutable();
        CREATE TABLE jobs (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE,
          status TEXT NOT NULL, source TEXT NOT NULL, config JSONB NOT NULL, progress JSONB, stats JSONB,
          quality JSONB, files JSONB NOT NULL, error JSONB, created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL,
          started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ);
        INSERT INTO adapters (id, version, metadata, created_by, created_at)
          VALUES ('legal', '1.0.0', '{}', 'x', now()), ('legal', '1.0.10', '{}', 'x', now()),
                 ('legal', '1.0.9', '{}', 'x', now());`);
      const store = await createPostgresStore({ connectionString: url ?? '', schema: oldSchema });
      try {
        await store.migrate();
        expect((await store.listAdapters({ limit: 10, offset: 0 })).items.map((a) => a.version)).toEqual(['1.0.10']);
        expect((await store.listAdapterVersions('legal')).map((a) => a.version)).toEqual(['1.0.0', '1.0.9', '1.0.10']);
      } finally {
        await store.close();
      }
      await expect(client.query(`UPDATE adapters SET metadata = '{"x":1}'`)).rejects.toThrow(/immutable/);
    } finally {
      await client.end();
    }
  });

  it('keys versions a first-release server inserts during a rolling upgrade, and allows no other update', async () => {
    const pg = (await import('pg')).default;
    const old = new pg.Client({ connectionString: url, options: `-c search_path="${rollingSchema}"` });
    await old.connect();
    const store = await createPostgresStore({ connectionString: url ?? '', schema: rollingSchema });
    try {
      await store.migrate();
      await store.insertAdapter({ id: 'legal', version: '1.0.9', domain: null, baseModel: null, task: null, metadata: {},
        trainingDefaults: [], createdBy: 'x', createdAt: '2026-01-01T00:00:00.000Z' });
      // The first release's INSERT, which knows no version_key (nor training_defaults).
      const insertOld = (version: string) =>
        old.query(`INSERT INTO adapters (id, version, metadata, created_by, created_at) VALUES ('legal', $1, '{}', 'old', now())`, [
          version,
        ]);
      await insertOld('1.0.10');
      expect((await store.listAdapters({ limit: 10, offset: 0 })).items.map((a) => a.version)).toEqual(['1.0.10']);
      // The base-model filter ignores case, as in the SQLite store.
      await store.insertAdapter({ id: 'tax', version: '1.0.0', domain: null, baseModel: 'Qwen/Qwen2.5-7B', task: null, metadata: {},
        trainingDefaults: [], createdBy: 'x', createdAt: '2026-01-01T00:00:00.000Z' });
      expect((await store.listAdapters({ limit: 10, offset: 0, baseModel: 'qwen/qwen2.5-7b' })).items.map((a) => a.id)).toEqual(['tax']);
      await insertOld('1.0.11');
      expect((await store.getLatestAdapter('legal'))?.version).toBe('1.0.11');
      await insertOld('1.0.12');
      expect((await store.listAdapterVersions('legal')).map((a) => a.version)).toEqual(['1.0.9', '1.0.10', '1.0.11', '1.0.12']);
      await insertOld('1.0.13');
      await store.migrate();
      expect((await old.query(`SELECT COUNT(*)::int AS n FROM adapters WHERE version_key = ''`)).rows).toEqual([{ n: 0 }]);

      // Once keyed, a version stays as it is: no update passes the trigger, not even of version_key alone.
      await insertOld('1.0.14');
      const update = (set: string, version: string) => old.query(`UPDATE adapters SET ${set} WHERE version = $1`, [version]);
      await expect(update(`version_key = 'x', metadata = '{"x":1}'`, '1.0.14')).rejects.toThrow(/immutable/);
      await expect(update(`version_key = 'x', created_by = 'y'`, '1.0.14')).rejects.toThrow(/immutable/);
      await expect(update(`metadata = '{"x":1}'`, '1.0.14')).rejects.toThrow(/immutable/);
      await expect(update(`version_key = 'x'`, '1.0.13')).rejects.toThrow(/immutable/);
      await expect(update(`version_key = ''`, '1.0.13')).rejects.toThrow(/immutable/);
      await update(`version_key = 'x'`, '1.0.14');
      await expect(update(`version_key = 'y'`, '1.0.14')).rejects.toThrow(/immutable/);
    } finally {
      await store.close();
      await old.end();
    }
  });
});
