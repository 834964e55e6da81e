import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { testRegistryStore } from '../../test/registry-store-contract.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

testRegistryStore('sqlite', () => createSqliteStore({ file: join(dir, 'contract.db') }));

describe('createSqliteStore', () => {
  it('keeps data across reopen and re-migration of the same file', async () => {
    const file = join(dir, 'nested', 'reopen.db');
    const first = await createSqliteStore({ file });
    await first.migrate();
    await first.insertAdapter({
      id: 'a', version: '1.0.0', domain: null, baseModel: null, task: null, metadata: {}, trainingDefaults: null, createdBy: 'x',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await first.close();
    const second = await createSqliteStore({ file });
    await second.migrate();
    expect((await second.listAdapterVersions('a')).length).toBe(1);
    await second.close();
  });

  it('upgrades a database of the first release so its latest versions follow semver', async () => {
    const file = join(dir, 'v1.db');
    const old = new Sqlite(file);
    // The schema as the first release shipped it (migration 1), with versions registered out of order.
    old.exec(`CREATE TABLE lorakit_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
      INSERT INTO lorakit_migrations VALUES (1, '2026-01-01T00:00:00.000Z');
      CREATE TABLE adapters (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, version TEXT NOT NULL,
        domain TEXT, base_model TEXT, task TEXT, metadata TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (id, version));
      CREATE TRIGGER adapters_immutable BEFORE UPDATE ON adapters
        BEGIN SELECT RAISE(ABORT, 'registered adapter versions are immutable'); END;
      CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
        source TEXT NOT NULL, config TEXT NOT NULL, progress TEXT, stats TEXT, quality TEXT, files TEXT NOT NULL,
        error TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT);`);
    for (const version of ['1.0.0', '1.0.10', '1.0.9']) {
      old.prepare(`INSERT INTO adapters (id, version, metadata, created_by, created_at) VALUES ('legal', ?, '{}', 'x', 'y')`)
        .run(version);
    }
    old.close();
    const store = await createSqliteStore({ file });
    await store.migrate();
    expect((await store.listAdapters({ limit: 10, offset: 0 })).items.map((a) => a.version)).toEqual(['1.0.10']);
    expect(
      await store.insertAdapter({ id: 'legal', version: '1.0.9', domain: null, baseModel: null, task: null, metadata: {},
        trainingDefaults: null, createdBy: 'x', createdAt: '2026-01-01T00:00:00.000Z' }),
    ).toBe('conflict');
    await store.close();
    const check = new Sqlite(file);
    expect(() => check.exec(`UPDATE adapters SET metadata = '{"x":1}'`)).toThrow(/immutable/);
    check.close();
  });

  it('keys versions a first-release server inserts during a rolling upgrade, and allows no other update', async () => {
    const file = join(dir, 'rolling.db');
    const store = await createSqliteStore({ file });
    await store.migrate();
    await store.insertAdapter({ id: 'legal', version: '1.0.9', domain: null, baseModel: null, task: null, metadata: {},
      trainingDefaults: [], createdBy: 'x', createdAt: '2026-01-01T00:00:00.000Z' });
    // The first release's INSERT, which knows no version_key (nor training_defaults).
    const old = new Sqlite(file);
    const insertOld = old.prepare(
      `INSERT INTO adapters (id, version, metadata, created_by, created_at) VALUES ('legal', ?, '{}', 'old', 'y')`,
    );
    insertOld.run('1.0.10');
    expect((await store.listAdapters({ limit: 10, offset: 0 })).items.map((a) => a.version)).toEqual(['1.0.10']);
    insertOld.run('1.0.11');
    expect((await store.getLatestAdapter('legal'))?.version).toBe('1.0.11');
    insertOld.run('1.0.12');
    expect((await store.listAdapterVersions('legal')).map((a) => a.version)).toEqual(['1.0.9', '1.0.10', '1.0.11', '1.0.12']);
    insertOld.run('1.0.13');
    await store.close();
    const restarted = await createSqliteStore({ file });
    await restarted.migrate();
    expect(old.prepare(`SELECT COUNT(*) AS n FROM adapters WHERE version_key = ''`).get()).toEqual({ n: 0 });
    await restarted.close();

    // Once keyed, a version stays as it is: no update passes the trigger, not even of version_key alone.
    insertOld.run('1.0.14');
    expect(() => old.exec(`UPDATE adapters SET version_key = 'x', metadata = '{"x":1}' WHERE version = '1.0.14'`)).toThrow(
      /immutable/,
    );
    expect(() => old.exec(`UPDATE adapters SET version_key = 'x', created_by = 'y' WHERE version = '1.0.14'`)).toThrow(
      /immutable/,
    );
    expect(() => old.exec(`UPDATE adapters SET metadata = '{"x":1}' WHERE version = '1.0.14'`)).toThrow(/immutable/);
    expect(() => old.exec(`UPDATE adapters SET version_key = 'x' WHERE version = '1.0.13'`)).toThrow(/immutable/);
    expect(() => old.exec(`UPDATE adapters SET version_key = '' WHERE version = '1.0.13'`)).toThrow(/immutable/);
    old.exec(`UPDATE adapters SET version_key = 'x' WHERE version = '1.0.14'`);
    expect(() => old.exec(`UPDATE adapters SET version_key = 'y' WHERE version = '1.0.14'`)).toThrow(/immutable/);
    old.close();
  });
});
