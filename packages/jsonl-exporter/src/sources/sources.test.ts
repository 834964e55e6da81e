import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { parquetWriteFile } from 'hyparquet-writer';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../../../../tools/test-env.mjs';
import { openSource } from './open-source.js';
import { sourceFromIterable } from './source-from-iterable.js';
import type { Source, SourceItem } from './source.js';
import { testSource } from '../../test/source-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const tempName = (ext: string) => `f${++counter}${ext}`;

const toJsonl = (records: Record<string, unknown>[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

function columnsOf(records: Record<string, unknown>[]): string[] {
  const columns = new Set<string>(['id']);
  for (const record of records) for (const key of Object.keys(record)) columns.add(key);
  return [...columns];
}

function toCsv(records: Record<string, unknown>[]): string {
  const columns = columnsOf(records);
  const quote = (value: unknown) => `"${String(value ?? '').replaceAll('"', '""')}"`;
  return [columns.join(','), ...records.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\r\n') + '\r\n';
}

async function collect(source: Source): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source.items()) items.push(item);
  return items;
}

testSource(
  'jsonl',
  async (records) => {
    const path = tempName('.jsonl');
    writeFileSync(join(dir, path), toJsonl(records));
    return openSource({ type: 'jsonl', path }, { cwd: dir });
  },
  {
    jsonTypes: true,
    lines: true,
    unreadable: async () => {
      const path = tempName('.jsonl');
      const bad = Buffer.concat([
        Buffer.from('\uFEFF{"id":"a"}\r\n\n{"id": broken\n[1,2]\n'),
        Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x0a]),
        Buffer.from('   \n{"id":"b"}'),
      ]);
      writeFileSync(join(dir, path), bad);
      return {
        source: await openSource({ type: 'jsonl', path }, { cwd: dir }),
        records: [{ id: 'a' }, { id: 'b' }],
        issues: [
          { line: 3, code: 'parse' },
          { line: 4, code: 'not_object' },
          { line: 5, code: 'invalid_utf8' },
        ],
      };
    },
  },
);

testSource(
  'jsonl.gz',
  async (records) => {
    const path = tempName('.jsonl.gz');
    writeFileSync(join(dir, path), gzipSync(toJsonl(records)));
    return openSource({ type: 'jsonl', path }, { cwd: dir });
  },
  { jsonTypes: true, lines: true },
);

testSource(
  'json',
  async (records) => {
    const path = tempName('.json');
    writeFileSync(join(dir, path), JSON.stringify(records, null, 2));
    return openSource({ type: 'json', path }, { cwd: dir });
  },
  { jsonTypes: true },
);

testSource(
  'csv',
  async (records) => {
    const path = tempName('.csv');
    writeFileSync(join(dir, path), toCsv(records));
    return openSource({ type: 'csv', path }, { cwd: dir });
  },
  {
    lines: true,
    unreadable: async () => {
      const path = tempName('.csv');
      writeFileSync(join(dir, path), 'id,text\n1,"multi\nline"\n\n2,too,many\n3,ok\n4\n5,"fine"\n');
      return {
        source: await openSource({ type: 'csv', path }, { cwd: dir }),
        records: [
          { id: '1', text: 'multi\nline' },
          { id: '3', text: 'ok' },
          { id: '5', text: 'fine' },
        ],
        issues: [
          { line: 5, code: 'parse' },
          { line: 7, code: 'parse' },
        ],
      };
    },
  },
);

testSource('parquet', async (records) => {
  const path = tempName('.parquet');
  const columns = columnsOf(records);
  parquetWriteFile({
    filename: join(dir, path),
    columnData: columns.map((name) => ({ name, type: 'STRING' as const, data: records.map((r) => (r[name] as string | undefined) ?? null) })),
    // Several row groups, so reading group by group is exercised.
    rowGroupSize: 1000,
  });
  return openSource({ type: 'parquet', path }, { cwd: dir });
});

testSource(
  'stdin jsonl',
  async (records) => openSource({ type: 'stdin', format: 'jsonl' }, { stdin: Readable.from([Buffer.from(toJsonl(records))]) }),
  { jsonTypes: true, lines: true, once: true },
);

testSource(
  'stdin csv (gzip sniffed)',
  async (records) => openSource({ type: 'stdin', format: 'csv' }, { stdin: Readable.from([gzipSync(toCsv(records))]) }),
  { lines: true, once: true },
);

testSource(
  'sqlite',
  async (records) => {
    const path = tempName('.db');
    const db = new Database(join(dir, path));
    const columns = columnsOf(records);
    db.exec(`CREATE TABLE docs (${columns.map((c) => `"${c}" TEXT`).join(', ')})`);
    const insert = db.prepare(`INSERT INTO docs VALUES (${columns.map(() => '?').join(', ')})`);
    db.transaction(() => {
      for (const record of records) insert.run(...columns.map((c) => (record[c] as string | undefined) ?? null));
    })();
    db.close();
    return openSource({ type: 'sqlite', path, table: 'docs' }, { cwd: dir });
  },
);

testSource('iterable (array)', async (records) => sourceFromIterable(records));

testSource(
  'iterable (async generator)',
  async (records) =>
    sourceFromIterable(
      (async function* () {
        yield* records;
      })(),
    ),
  { jsonTypes: true, once: true },
);

const pgUrl = postgresUrl();
const pgTable = `lorakit_src_${process.pid}_${Date.now()}`;
let pgTables = 0;
describe.skipIf(pgUrl === undefined)('postgres', () => {
  const created: string[] = [];
  afterAll(async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    for (const table of created) await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });

  testSource(
    'postgres',
    async (records) => {
      const table = `${pgTable}_${++pgTables}`;
      created.push(table);
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        const columns = columnsOf(records).filter((c) => c !== 'id');
        const definitions = ['id text PRIMARY KEY', ...columns.map((c) => `"${c}" text`)];
        await client.query(`CREATE TABLE "${table}" (${definitions.join(', ')})`);
        for (let i = 0; i < records.length; i += 500) {
          const chunk = records.slice(i, i + 500);
          const all = ['id', ...columns];
          const values = chunk.flatMap((r) => all.map((c) => (r[c] as string | undefined) ?? null));
          const rows = chunk.map((_, j) => `(${all.map((__, k) => `$${j * all.length + k + 1}`).join(', ')})`);
          await client.query(`INSERT INTO "${table}" VALUES ${rows.join(', ')}`, values);
        }
      } finally {
        await client.end();
      }
      // Ordered by the text primary key, which is not insertion order: a query keeps the order the test needs.
      return openSource(
        { type: 'postgres', url: pgUrl, query: `SELECT * FROM "${table}" ORDER BY length(id), id`, key: 'id', batch_size: 100 },
        { env: {} },
      );
    },
  );
});

describe('file sources', () => {
  it('names a missing file in EXPORT_SOURCE_NOT_FOUND', async () => {
    await expect(openSource({ type: 'jsonl', path: 'nope.jsonl' }, { cwd: dir })).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_NOT_FOUND',
      message: expect.stringContaining(join(dir, 'nope.jsonl')) as unknown,
    });
  });

  it('rejects an invalid config with EXPORT_CONFIG_INVALID naming the field', async () => {
    await expect(openSource({ type: 'sqlite', path: 'x.db' } as never)).rejects.toMatchObject({
      code: 'EXPORT_CONFIG_INVALID',
      message: expect.stringContaining('source.table') as unknown,
    });
    await expect(openSource({ type: 'xml', path: 'a' } as never)).rejects.toMatchObject({ code: 'EXPORT_CONFIG_INVALID' });
  });

  it('uses the path as written, normalized, in refs, and the absolute path in stats', async () => {
    writeFileSync(join(dir, 'refs.jsonl'), '{"a":1}\n\n{"a":2}\n');
    const source = await openSource({ type: 'jsonl', path: './sub/../refs.jsonl' }, { cwd: dir });
    const items = await collect(source);
    expect(items.map((item) => item.ref)).toEqual(['refs.jsonl:1', 'refs.jsonl:3']);
    expect(source.stats()).toEqual({ blankLines: 1, bytesRead: 17, files: [{ path: join(dir, 'refs.jsonl') }] });
    expect(source.description).toBe('jsonl refs.jsonl');
    await source.close();
  });

  it('reads zstd files of several frames (fixture made with the zstd CLI)', async () => {
    const fixtures = join(import.meta.dirname, '../../test/fixtures/sources');
    const source = await openSource({ type: 'jsonl', path: 'two-frames.jsonl.zst' }, { cwd: fixtures });
    const items = await collect(source);
    expect(items.map((item) => item.record)).toEqual([
      { id: 1, text: 'first frame' },
      { id: 2, text: 'first frame, second line' },
      { id: 3, text: 'second frame' },
    ]);
    expect(items.map((item) => item.ref)).toEqual(['two-frames.jsonl.zst:1', 'two-frames.jsonl.zst:2', 'two-frames.jsonl.zst:3']);
    await source.close();
  });

  it('reports a corrupt gzip file as EXPORT_SOURCE_UNREADABLE', async () => {
    const good = gzipSync(toJsonl([{ a: 1 }]));
    writeFileSync(join(dir, 'bad.jsonl.gz'), good.subarray(0, good.length - 6));
    const source = await openSource({ type: 'jsonl', path: 'bad.jsonl.gz' }, { cwd: dir });
    await expect(collect(source)).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE' });
    await source.close();
  });

  it('reports a JSON document that is not an array, or not JSON, naming the file', async () => {
    writeFileSync(join(dir, 'obj.json'), '{"a": 1}');
    writeFileSync(join(dir, 'broken.json'), '[\n  {"a": 1},\n  {"a": }\n]');
    const obj = await openSource({ type: 'json', path: 'obj.json' }, { cwd: dir });
    await expect(collect(obj)).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE', message: expect.stringContaining('JSON array') as unknown });
    const broken = await openSource({ type: 'json', path: 'broken.json' }, { cwd: dir });
    await expect(collect(broken)).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_UNREADABLE',
      message: expect.stringContaining(`${join(dir, 'broken.json')}: invalid JSON`) as unknown,
    });
  });

  it('marks array elements whose numbers JSON.parse changed as unsafe_integer issues, as the JSONL source does', async () => {
    writeFileSync(join(dir, 'numbers.json'), '[{"n":123456789012345678901}, {"n":9007199254740992}, {"x":{"y":1e400}}, {"n":1.5}]');
    const items = await collect(await openSource({ type: 'json', path: 'numbers.json' }, { cwd: dir }));
    expect(items.map((item) => [item.ref, item.issue?.code ?? 'ok', item.issue?.path])).toEqual([
      ['numbers.json[0]', 'unsafe_integer', '/n'],
      ['numbers.json[1]', 'ok', undefined],
      ['numbers.json[2]', 'unsafe_integer', '/x/y'],
      ['numbers.json[3]', 'ok', undefined],
    ]);
    expect(items[0]?.issue?.message).toContain('integer 123456789012345678901 cannot be kept exactly');
  });

  it('rejects only the element whose text holds the unsafe literal, not others with the same value at the same path', async () => {
    // All of 1e20, 100000000000000000000 and 100000000000000000001 parse to 1e20. Before: [0] was rejected with
    // the message about [1]'s literal, which it does not hold.
    const cases = [
      ['[{"id":1,"q":"x","a":"y","n":1e20},{"id":2,"q":"x","a":"y","n":100000000000000000001}]', ['ok', '/n']],
      ['[{"n":1e20},{"n":7},{"n":100000000000000000001}]', ['ok', 'ok', '/n']],
      // Index-like keys come first in a parsed object, so the text order of literals is lost within a record.
      ['[{"1":100000000000000000000,"a":2},{"1":100000000000000000001}]', ['ok', '/1']],
    ] as const;
    for (const [text, expected] of cases) {
      const name = tempName('.json');
      writeFileSync(join(dir, name), text);
      const items = await collect(await openSource({ type: 'json', path: name }, { cwd: dir }));
      expect(items.map((item) => item.issue?.path ?? 'ok'), text).toEqual(expected);
      const rejected = items.at(-1);
      expect(rejected?.ref).toBe(`${name}[${expected.length - 1}]`);
      expect(rejected?.issue).toMatchObject({ code: 'unsafe_integer', message: expect.stringContaining('integer 100000000000000000001 cannot') as unknown });
    }
  });

  it('finds each element of a JSON array by its text, whatever its strings hold', async () => {
    // Every element holds 1e20; only the one that also holds 100000000000000000001 is rejected.
    const key = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', 'a') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.dictionary(key, fc.jsonValue()), { minLength: 1, maxLength: 6 }), fc.nat(), fc.boolean(), async (records, at, pretty) => {
        const k = at % records.length;
        const texts = records.map((r, i) =>
          JSON.stringify(i === k ? { _u: 'UNSAFE', ...r, n: 1e20 } : { ...r, n: 1e20 }, null, pretty ? 2 : undefined).replace('"UNSAFE"', '100000000000000000001'),
        );
        const stdin = Readable.from([Buffer.from(` [ ${texts.join(' , ')} ] `)]);
        const items = await collect(await openSource({ type: 'stdin', format: 'json' }, { stdin }));
        expect(items.map((item) => item.issue?.path ?? 'ok')).toEqual(texts.map((_, i) => (i === k ? '/_u' : 'ok')));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an element whose whole number with a zero fraction JSON.parse changed', async () => {
    writeFileSync(join(dir, 'dot-zero.json'), '[{"n":9007199254740992.0},{"n":9007199254740993.0},{"n":0.1}]');
    const items = await collect(await openSource({ type: 'json', path: 'dot-zero.json' }, { cwd: dir }));
    // Before: [1] was exported as {"n":9007199254740992}.
    expect(items.map((item) => [item.ref, item.issue?.code ?? item.record])).toEqual([
      ['dot-zero.json[0]', { n: 9007199254740992 }],
      ['dot-zero.json[1]', 'unsafe_integer'],
      ['dot-zero.json[2]', { n: 0.1 }],
    ]);
    expect(items[1]?.issue?.message).toBe(
      '/n: integer 9007199254740993.0 cannot be kept exactly as a JSON number (it would become 9007199254740992); quote it as a string',
    );
  });

  it('marks array elements that are not objects as not_object issues', async () => {
    writeFileSync(join(dir, 'mixed.json'), '[{"a":1}, 2, null, {"a":3}]');
    const source = await openSource({ type: 'json', path: 'mixed.json' }, { cwd: dir });
    const items = await collect(source);
    expect(items.map((item) => [item.ref, item.issue?.code ?? 'ok'])).toEqual([
      ['mixed.json[0]', 'ok'],
      ['mixed.json[1]', 'not_object'],
      ['mixed.json[2]', 'not_object'],
      ['mixed.json[3]', 'ok'],
    ]);
  });

  it('refuses a second pass over stdin', async () => {
    const source = await openSource({ type: 'stdin', format: 'jsonl' }, { stdin: Readable.from([Buffer.from('{"a":1}\n')]) });
    expect(await collect(source)).toHaveLength(1);
    await expect(collect(source)).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE' });
  });
});
