import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from './open-source.js';
import { collectItems as collect } from '../../test/collect-items.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('sqlite source', () => {
  beforeAll(() => {
    const db = new Database(join(dir, 'store.db'));
    db.exec(`
      CREATE TABLE docs (slug TEXT, body TEXT, big INTEGER, small INTEGER, ratio REAL, blob BLOB);
      INSERT INTO docs VALUES ('b', 'second', 9007199254740993, 42, 0.25, x'0102ff');
      INSERT INTO docs VALUES ('a', 'first', -5, NULL, NULL, NULL);
      DELETE FROM docs WHERE slug = 'none';
      CREATE TABLE "odd ""name""" (x TEXT);
      INSERT INTO "odd ""name""" VALUES ('y');
      CREATE TABLE wr (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
      INSERT INTO wr VALUES ('k1', 'v1');
    `);
    db.close();
  });

  it('names rows of a table by rowid, and keeps 64-bit integers exact (number when safe, else string)', async () => {
    const items = await collect(await openSource({ type: 'sqlite', path: 'store.db', table: 'docs' }, { cwd: dir }));
    expect(items.map((item) => item.ref)).toEqual(['docs:1', 'docs:2']);
    expect(items[0]?.record).toEqual({ slug: 'b', body: 'second', big: '9007199254740993', small: 42, ratio: 0.25, blob: 'AQL/' });
    expect(items[1]?.record).toEqual({ slug: 'a', body: 'first', big: -5, small: null, ratio: null, blob: null });
  });

  it('writes REAL infinities as the text PostgreSQL writes, not as null', async () => {
    const db = new Database(join(dir, 'floats.db'));
    db.exec('CREATE TABLE f (x REAL); INSERT INTO f VALUES (9e999), (-9e999), (1.5);');
    db.close();
    const items = await collect(await openSource({ type: 'sqlite', path: 'floats.db', table: 'f' }, { cwd: dir }));
    // Before: both infinities became null in the output. (SQLite stores NaN as NULL, so there is none to read.)
    expect(items.map((item) => JSON.stringify(item.record))).toEqual(['{"x":"Infinity"}', '{"x":"-Infinity"}', '{"x":1.5}']);
  });

  it('names rows by the key column when given, and a query by row number without one', async () => {
    const keyed = await collect(await openSource({ type: 'sqlite', path: 'store.db', table: 'docs', key: 'slug' }, { cwd: dir }));
    expect(keyed.map((item) => item.ref)).toEqual(['docs:a', 'docs:b']);
    const query = await collect(
      await openSource({ type: 'sqlite', path: 'store.db', query: 'SELECT slug, body FROM docs ORDER BY slug' }, { cwd: dir }),
    );
    expect(query.map((item) => [item.ref, item.record])).toEqual([
      ['query#1', { slug: 'a', body: 'first' }],
      ['query#2', { slug: 'b', body: 'second' }],
    ]);
    const quoted = await collect(await openSource({ type: 'sqlite', path: 'store.db', table: 'odd "name"' }, { cwd: dir }));
    expect(quoted.map((item) => item.record)).toEqual([{ x: 'y' }]);
  });

  it('fails at open time with a code for a missing table, a bad query, a wrong key or a missing file', async () => {
    await expect(openSource({ type: 'sqlite', path: 'store.db', table: 'nope' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_NOT_FOUND',
    });
    await expect(openSource({ type: 'sqlite', path: 'store.db', query: 'SELEC 1' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_QUERY_FAILED',
    });
    await expect(openSource({ type: 'sqlite', path: 'store.db', query: 'DELETE FROM docs' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_QUERY_FAILED',
    });
    await expect(openSource({ type: 'sqlite', path: 'store.db', table: 'docs', key: 'id' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_CONFIG_INVALID',
      message: expect.stringContaining('"id"') as unknown,
    });
    await expect(openSource({ type: 'sqlite', path: 'missing.db', table: 'docs' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_NOT_FOUND',
    });
  });

  it('refuses a query naming a column twice, which would fill a field with the wrong one, and says how to read a WITHOUT ROWID table', async () => {
    // Before: the join's second "body" silently replaced the first in every record.
    await expect(openSource({ type: 'sqlite', path: 'store.db', query: 'SELECT a.body, b.body FROM docs a JOIN docs b' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_CONFIG_INVALID',
      message: expect.stringContaining('names the column "body" twice (body, body): rename one with AS') as unknown,
    });
    await expect(openSource({ type: 'sqlite', path: 'store.db', table: 'wr' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_QUERY_FAILED',
      message: expect.stringContaining('WITHOUT ROWID table: set source.key') as unknown,
    });
    const keyed = await collect(await openSource({ type: 'sqlite', path: 'store.db', table: 'wr', key: 'k' }, { cwd: dir }));
    expect(keyed.map((item) => [item.ref, item.record])).toEqual([['wr:k1', { k: 'k1', v: 'v1' }]]);
  });

  it('opens the database read-only: the data cannot be changed through the source', async () => {
    await expect(
      openSource({ type: 'sqlite', path: 'store.db', query: 'INSERT INTO docs (slug) VALUES (1) RETURNING *' }, { cwd: dir }),
    ).rejects.toMatchObject({ code: 'EXPORT_SOURCE_QUERY_FAILED' });
    const db = new Database(join(dir, 'store.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM docs').get()).toEqual({ n: 2 });
    db.close();
  });
});
