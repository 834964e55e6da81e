import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../../../../tools/test-env.mjs';
import { parseExportConfig, type ExportConfigInput } from '../export-config.js';
import { exportRecords } from '../export-records.js';
import { openSource } from './open-source.js';
import { collectItems as collect } from '../../test/collect-items.js';

const url = postgresUrl();
// Unique per test file run, so parallel test files and runs never share a table.
const table = `lorakit_pg_${process.pid}_${Date.now()}`;


async function exportConnections(admin: pg.Client): Promise<number> {
  const result = await admin.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'lorakit-export' AND datname = current_database()",
  );
  return Number(result.rows[0]?.n);
}

describe.skipIf(url === undefined)('postgres source', () => {
  const admin = new pg.Client({ connectionString: url });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`
      CREATE TABLE "${table}" (
        id int8 PRIMARY KEY, big int8, price numeric, day date, at timestamp, at_tz timestamptz,
        doc jsonb, raw bytea, flag boolean, body text
      );
      INSERT INTO "${table}" VALUES
        (2, 9007199254740993, 12.50, '2021-02-03', '2021-02-03 04:05:06.789', '2021-02-03T04:05:06Z',
         '{"a": [1, {"b": null}]}', '\\x01ff', true, 'two'),
        (1, -7, 12345678901234567890.5, NULL, NULL, NULL, NULL, NULL, false, 'one');
      CREATE TABLE "${table}_pair" (a text, b int4, v text, PRIMARY KEY (a, b));
      INSERT INTO "${table}_pair" VALUES ('x', 2, 'x2'), ('x', 1, 'x1');
      CREATE TABLE "${table}_odd" (id int4 PRIMARY KEY, j jsonb, js json, x float8, r float4, ts timestamptz, t timestamp);
      INSERT INTO "${table}_odd" VALUES
        (1, '{"n": 12345678901234567890}', '{"ok": 1}', 'NaN', 'Infinity', 'infinity', '-infinity'),
        (2, '{"n": 9007199254740992, "f": 0.5}', '[9007199254740993]', '-Infinity', 1.5, '-infinity', 'infinity'),
        (3, '{"n": 1}', '{"m": 1}', 2.5, 'NaN', '2025-01-01T00:00:00Z', '2025-01-01 00:00:00');
      CREATE TABLE "${table}_many" AS SELECT g AS id, repeat('w', 200) AS body FROM generate_series(1, 5000) g;
      CREATE TABLE "${table}_qa" (id int4 PRIMARY KEY, question text, answer text, asked timestamptz, meta jsonb);
      INSERT INTO "${table}_qa" VALUES
        (1, 'Who wrote?', 'Carol.', '2025-01-01T08:00:00Z', '{"mail": "x@y.com", "n": 2, "tags": ["a", "cc z@y.com"]}');
    `);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS "${table}", "${table}_odd", "${table}_pair", "${table}_many", "${table}_qa"`);
    await admin.end();
  });

  it('reads a table in primary-key order with refs table:key, and types that do not depend on the machine', async () => {
    const items = await collect(await openSource({ type: 'postgres', table, url_env: 'PG_TEST' }, { env: { PG_TEST: url } }));
    expect(items.map((item) => item.ref)).toEqual([`${table}:1`, `${table}:2`]);
    expect(items[1]?.record).toEqual({
      id: 2,
      big: '9007199254740993',
      price: 12.5,
      day: '2021-02-03',
      at: new Date('2021-02-03T04:05:06.789Z'),
      at_tz: new Date('2021-02-03T04:05:06Z'),
      doc: { a: [1, { b: null }] },
      raw: 'Af8=',
      flag: true,
      body: 'two',
    });
    expect(items[0]?.record?.['price']).toBe('12345678901234567890.5');
  });

  it('joins composite primary keys in refs, and numbers query rows without a key', async () => {
    const pair = await collect(await openSource({ type: 'postgres', url, table: `${table}_pair` }));
    expect(pair.map((item) => item.ref)).toEqual([`${table}_pair:x,1`, `${table}_pair:x,2`]);
    const query = await collect(await openSource({ type: 'postgres', url, query: `SELECT v FROM "${table}_pair" ORDER BY v DESC;` }));
    expect(query.map((item) => [item.ref, item.record])).toEqual([
      ['query#1', { v: 'x2' }],
      ['query#2', { v: 'x1' }],
    ]);
  });

  it('warns that a table without a primary key and without source.key names its rows by position', async () => {
    const noKey = await openSource({ type: 'postgres', url, table: `${table}_many` });
    await noKey.close();
    expect(noKey.warnings).toEqual([expect.stringMatching(/^postgres table \S+_many has no primary key and source\.key is not set: .*\(\S+_many#1, .*Set source\.key to a unique column$/)]);
    const keyed = await openSource({ type: 'postgres', url, table: `${table}_many`, key: 'id' });
    await keyed.close();
    expect(keyed.warnings).toBeUndefined();
    const primary = await openSource({ type: 'postgres', url, table: `${table}_pair` });
    await primary.close();
    expect(primary.warnings).toBeUndefined();
  });

  it('reads a query ending in a line comment, refuses one naming a column twice, and names rows by a timestamp key in UTC', async () => {
    // Before: the comment swallowed the probe's closing parenthesis ("syntax error at end of input").
    const commented = await collect(await openSource({ type: 'postgres', url, query: `SELECT v FROM "${table}_pair"\nORDER BY v -- stable order;` }));
    expect(commented.map((item) => item.record)).toEqual([{ v: 'x1' }, { v: 'x2' }]);
    // A semicolon and a comment marker inside a string literal stay as written.
    const literal = await collect(await openSource({ type: 'postgres', url, query: `SELECT v || ';--x' AS v FROM "${table}_pair" ORDER BY v` }));
    expect(literal.map((item) => item.record)).toEqual([{ v: 'x1;--x' }, { v: 'x2;--x' }]);
    // Before: pg kept the last "v" of each row, silently.
    await expect(openSource({ type: 'postgres', url, query: `SELECT a.v, b.v FROM "${table}_pair" a, "${table}_pair" b` })).rejects.toMatchObject({
      code: 'EXPORT_CONFIG_INVALID',
      message: expect.stringContaining('names the column "v" twice (v, v): rename one with AS') as unknown,
    });
    // Before: `query:Wed Feb 03 2021 05:05:06 GMT+0100 (…)`, so the split depended on the machine's time zone.
    const byTime = await collect(await openSource({ type: 'postgres', url, query: `SELECT at_tz, body FROM "${table}" WHERE at_tz IS NOT NULL`, key: 'at_tz' }));
    expect(byTime.map((item) => item.ref)).toEqual(['query:2021-02-03T04:05:06.000Z']);
    // A jsonb object key as its JSON text (before: "[object Object]" for every row); an array as before.
    const byDoc = await collect(await openSource({ type: 'postgres', url, query: `SELECT doc, ARRAY[id, 1] AS pair FROM "${table}" WHERE doc IS NOT NULL`, key: 'doc' }));
    expect(byDoc.map((item) => item.ref)).toEqual(['query:{"a":[1,{"b":null}]}']);
    const byArray = await collect(await openSource({ type: 'postgres', url, query: `SELECT ARRAY[id, 1] AS pair FROM "${table}" ORDER BY id`, key: 'pair' }));
    expect(byArray.map((item) => item.ref)).toEqual(['query:1,1', 'query:2,1']);
  });

  it('streams in batches and closes its connection on an early break', async () => {
    const source = await openSource({ type: 'postgres', url, table: `${table}_many`, key: 'id', batch_size: 50 });
    let seen = 0;
    for await (const item of source.items()) {
      expect(item.ref).toBe(`${table}_many:${seen + 1}`);
      if (++seen === 120) {
        expect(await exportConnections(admin)).toBe(1);
        break;
      }
    }
    await source.close();
    // The server notices a closed connection a moment later.
    for (let i = 0; i < 50 && (await exportConnections(admin)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await exportConnections(admin)).toBe(0);
  });

  it('exports timestamptz and jsonb columns as JSON writes them: ISO text, weights from the instant, PII redacted inside', async () => {
    async function exported(over: Partial<ExportConfigInput>): Promise<string[]> {
      const sourceConfig = { type: 'postgres' as const, url, table: `${table}_qa` };
      const config = parseExportConfig({
        source: sourceConfig,
        split: { validation: 0 },
        pii: { policy: 'redact', strategy: 'remove', fields: ['prompt', 'response', 'metadata'] },
        ...over,
      });
      const out: string[] = [];
      const source = await openSource(sourceConfig);
      try {
        for await (const e of exportRecords(source, config)) {
          if (e.kind === 'line') out.push(e.line);
          if (e.kind === 'reject') out.push(`${e.reject.stage}/${e.reject.code}: ${e.reject.message}`);
        }
      } finally {
        await source.close();
      }
      return out;
    }
    expect(
      await exported({
        field_mapping: { instruction_field: 'question', output_field: 'answer' },
        format: { metadata_fields: ['asked', 'meta'] },
        weighting: { timestamp_field: 'asked', now: '2025-06-30T08:00:00Z', half_life_days: 180, length_factor: false },
      }),
    ).toEqual([
      '{"instruction":"Who wrote?","input":"","output":"Carol.","weight":0.75,' +
        '"metadata":{"asked":"2025-01-01T08:00:00.000Z","meta":{"n":2,"mail":"[EMAIL]","tags":["a","cc [EMAIL]"]}}}',
    ]);
    const custom = { question: '{{question}} (asked {{asked}})', owner: 'meta', answer: 'answer' };
    expect(await exported({ style: 'custom', format: { custom } })).toEqual([
      '{"question":"Who wrote? (asked 2025-01-01T08:00:00.000Z)",' +
        '"owner":{"n":2,"mail":"[EMAIL]","tags":["a","cc [EMAIL]"]},"answer":"Carol."}',
    ]);
    const dateAsText = { field_mapping: { instruction_field: 'asked', output_field: 'answer' }, weighting: { enabled: false } };
    expect(await exported(dateAsText)).toEqual(['{"instruction":"2025-01-01T08:00:00.000Z","input":"","output":"Carol."}']);
  });

  it('rejects a row whose json or jsonb holds an integer JSON would round, and keeps non-finite floats and infinite timestamps as their text', async () => {
    const items = await collect(await openSource({ type: 'postgres', url, table: `${table}_odd` }));
    expect(items.map((item) => item.ref)).toEqual([`${table}_odd:1`, `${table}_odd:2`, `${table}_odd:3`]);
    // Before: 12345678901234567000 and 9007199254740992 were exported, digits lost silently.
    expect(items[0]?.record).toBeUndefined();
    expect(items[0]?.issue).toMatchObject({ code: 'unsafe_integer', path: '/j/n', message: expect.stringContaining('12345678901234567890') as unknown });
    expect(items[1]?.issue).toMatchObject({ code: 'unsafe_integer', path: '/js/0' });
    // Before: NaN, Infinity and infinite timestamps became null in the output.
    expect(items[2]?.record).toEqual({ id: 3, j: { n: 1 }, js: { m: 1 }, x: 2.5, r: 'NaN', ts: new Date('2025-01-01T00:00:00Z'), t: new Date('2025-01-01T00:00:00Z') });
    const odd = await collect(await openSource({ type: 'postgres', url, query: `SELECT id, x, r, ts, t FROM "${table}_odd" WHERE id < 3 ORDER BY id` }));
    expect(odd.map((item) => item.record)).toEqual([
      { id: 1, x: 'NaN', r: 'Infinity', ts: 'infinity', t: '-infinity' },
      { id: 2, x: '-Infinity', r: 1.5, ts: '-infinity', t: 'infinity' },
    ]);
    // Float arrays too, at any depth (pg's array parser gave NaN, written as null).
    const arrays = await collect(
      await openSource({ type: 'postgres', url, query: `SELECT 1 AS id, '{1.5,NaN,-Infinity,NULL}'::float8[] AS a, '{{Infinity},{2}}'::float4[] AS b` }),
    );
    expect(arrays[0]?.record).toEqual({ id: 1, a: [1.5, 'NaN', '-Infinity', null], b: [['Infinity'], [2]] });
  });

  it('arrays of exact types keep their digits and the UTC instant; microseconds and intervals stay as written', async () => {
    const query = `SELECT 1 AS id,
      '{12345678901234567890.12,0.1,NULL}'::numeric[] AS n, '{9007199254740993,1}'::int8[] AS i,
      '{2020-01-01}'::date[] AS d, '{"2020-01-01 10:00:00"}'::timestamp[] AS t,
      '{"2020-01-01 10:00:00.5+02"}'::timestamptz[] AS tz, ARRAY['{"k": [1]}'::jsonb] AS j,
      '1 day 02:00:00'::interval AS span, '{0,"3 mons"}'::interval[] AS spans,
      '2020-01-01 10:00:00.123456+02'::timestamptz AS micro, '2020-01-01 10:00:00.0001'::timestamp AS micro_local`;
    // Before: numeric[] and jsonb[] lost digits (12345678901234567000), date[] and timestamp[] were read in the
    // machine's time zone (05:00Z in New York for 2020-01-01), interval an object ({"days":1,"hours":2}), and
    // microseconds were cut to milliseconds.
    for (const tz of ['UTC', 'America/New_York']) {
      const before = process.env['TZ'];
      process.env['TZ'] = tz;
      try {
        const [item] = await collect(await openSource({ type: 'postgres', url, query }));
        expect(item?.record).toEqual({
          id: 1,
          n: ['12345678901234567890.12', 0.1, null],
          i: ['9007199254740993', 1],
          d: ['2020-01-01'],
          t: [new Date('2020-01-01T10:00:00Z')],
          tz: [new Date('2020-01-01T08:00:00.500Z')],
          j: [{ k: [1] }],
          span: '1 day 02:00:00',
          spans: ['00:00:00', '3 mons'],
          micro: '2020-01-01T08:00:00.123456Z',
          micro_local: '2020-01-01T10:00:00.0001Z',
        });
      } finally {
        if (before === undefined) delete process.env['TZ'];
        else process.env['TZ'] = before;
      }
    }
    const unsafe = await collect(await openSource({ type: 'postgres', url, query: `SELECT ARRAY['{"n": 1}'::jsonb, '{"n": 9007199254740993}'::jsonb] AS j` }));
    expect(unsafe[0]?.issue).toMatchObject({ code: 'unsafe_integer', path: '/j/1/n' });
    // An offset with seconds (Amsterdam before 1937) keeps the microseconds too.
    const amsterdam = `${url as string}${(url as string).includes('?') ? '&' : '?'}options=-c%20TimeZone%3DEurope%2FAmsterdam`;
    const old = await collect(await openSource({ type: 'postgres', url: amsterdam, query: `SELECT '1900-01-01 10:00:00.123456+00'::timestamptz AS old` }));
    expect(old[0]?.record).toEqual({ old: '1900-01-01T10:00:00.123456Z' });
    // Rows a few microseconds apart keep refs of their own (before: both query:2020-01-01T00:00:00.000Z).
    const keyed = await collect(
      await openSource({ type: 'postgres', url, query: `SELECT unnest('{"2020-01-01 00:00:00.0001+00","2020-01-01 00:00:00.0002+00"}'::timestamptz[]) AS at`, key: 'at' }),
    );
    expect(keyed.map((item) => item.ref)).toEqual(['query:2020-01-01T00:00:00.0001Z', 'query:2020-01-01T00:00:00.0002Z']);
  });

  it('fails at open time with a code, and never shows the password', async () => {
    const withPassword = new URL(url as string);
    withPassword.password = 's3cret-pw';
    await expect(openSource({ type: 'postgres', url, table: `${table}_missing` })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_NOT_FOUND',
    });
    await expect(openSource({ type: 'postgres', url, query: 'SELEC 1' })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_QUERY_FAILED',
    });
    await expect(openSource({ type: 'postgres', url, table, key: 'nope' })).rejects.toMatchObject({ code: 'EXPORT_CONFIG_INVALID' });
    await expect(openSource({ type: 'postgres', table }, { env: {} })).rejects.toMatchObject({
      code: 'EXPORT_CONFIG_INVALID',
      message: expect.stringContaining('DATABASE_URL') as unknown,
    });
    const refused = new URL(withPassword);
    refused.port = '1';
    const error = await openSource({ type: 'postgres', url: refused.toString(), table }).then(
      async (opened): Promise<Error> => {
        await opened.close();
        return new Error('opened a source on a closed port');
      },
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE' });
    expect(error.message).not.toContain('s3cret-pw');
    // pg also takes the password as a query parameter of the URL.
    const inQuery = new URL(refused);
    inQuery.password = '';
    inQuery.search = '?sslmode=disable&password=qu3ry-pw';
    const queryError = await openSource({ type: 'postgres', url: inQuery.toString(), table }).then(
      () => new Error('opened a source on a closed port'),
      (e: unknown) => e as Error,
    );
    expect(queryError.message).toContain('sslmode=disable&password=[redacted]');
    expect(queryError.message).not.toContain('qu3ry-pw');
    const source = await openSource({ type: 'postgres', url: withPassword.toString(), table }).catch(() => undefined);
    if (source !== undefined) {
      expect(source.description).not.toContain('s3cret-pw');
      await source.close();
    }
  });
});

describe('postgres source connection string', () => {
  it('refuses a libpq key=value string up front, saying what it takes, without its password', async () => {
    // pg reads URLs only: this failed later with "getaddrinfo ENOTFOUND base".
    // libpq allows spaces around `=`: the string is not echoed, so no spelling of a password can leak.
    const error = (await openSource({ type: 'postgres', url: 'host=127.0.0.1 port=5432 dbname=base user=me password = s3cret-pw', table: 't' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID' });
    expect(error.message).toContain('PostgreSQL source: `url` is not a postgres:// URL (postgres://user:password@host:5432/database?sslmode=require)');
    expect(error.message).not.toContain('s3cret-pw');
    const fromEnv = openSource({ type: 'postgres', table: 't' }, { env: { DATABASE_URL: 'dbname=base' } });
    await expect(fromEnv).rejects.toThrow('the environment variable DATABASE_URL is not a postgres:// URL');
  });

  it('passes pg its socket-directory form, `/dir database`', async () => {
    const source = openSource({ type: 'postgres', url: '/nonexistent-socket-dir test', query: 'select 1' });
    await expect(source).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE', message: expect.stringContaining('/nonexistent-socket-dir/.s.PGSQL.5432') as unknown });
  });
});
