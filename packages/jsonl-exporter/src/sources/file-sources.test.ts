import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { createZstdCompressStream } from '../internal/zstd-writer.js';
import { compileFilter } from '../select/compile-filter.js';
import { openSource } from './open-source.js';
import { SourceConfigSchema } from './source-config.js';
import type { SourceItem } from './source.js';
import { collectItems as collect } from '../../test/collect-items.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = join(import.meta.dirname, '../../test/fixtures/sources');


describe('parquet source', () => {
  it('reads typed columns, keeps int64 exact, and decodes gzip-compressed column chunks', async () => {
    parquetWriteFile({
      filename: join(dir, 'typed.parquet'),
      codec: 'GZIP',
      compressors: { GZIP: (input: Uint8Array) => gzipSync(input) },
      columnData: [
        { name: 'id', type: 'INT64', data: [1n, 9007199254740993n] },
        { name: 'score', type: 'DOUBLE', data: [0.5, null] },
        { name: 'ok', type: 'BOOLEAN', data: [true, false] },
        { name: 'text', type: 'STRING', data: ['a', 'ü'] },
        { name: 'at', type: 'TIMESTAMP', data: [new Date('2021-01-02T03:04:05Z'), new Date(0)] },
      ],
    });
    const items = await collect(await openSource({ type: 'parquet', path: 'typed.parquet' }, { cwd: dir }));
    expect(items.map((item) => item.ref)).toEqual(['typed.parquet[0]', 'typed.parquet[1]']);
    expect(items.map((item) => item.record)).toEqual([
      { id: 1, score: 0.5, ok: true, text: 'a', at: new Date('2021-01-02T03:04:05Z') },
      { id: '9007199254740993', score: null, ok: false, text: 'ü', at: new Date(0) },
    ]);
    const filter = compileFilter('at >= "2021-01-01" and score > 0.1');
    expect(items.map((item) => filter(item.record ?? {}))).toEqual([true, false]);
  });

  it('reads only the configured columns, and reports a file that is not Parquet', async () => {
    parquetWriteFile({
      filename: join(dir, 'cols.parquet'),
      columnData: [
        { name: 'a', type: 'STRING', data: ['x'] },
        { name: 'b', type: 'STRING', data: ['y'] },
      ],
    });
    const items = await collect(await openSource({ type: 'parquet', path: 'cols.parquet', columns: ['b'] }, { cwd: dir }));
    expect(items.map((item) => item.record)).toEqual([{ b: 'y' }]);
    writeFileSync(join(dir, 'fake.parquet'), 'not parquet at all');
    const fake = await openSource({ type: 'parquet', path: 'fake.parquet' }, { cwd: dir });
    await expect(collect(fake)).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE' });
  });
});

describe('csv options', () => {
  it('applies delimiter, comment lines, trim, and headerless columns', async () => {
    writeFileSync(join(dir, 'semi.csv'), '# exported 2024\nid; text\n1; hello\n# note\n2; "a;b"\n');
    const items = await collect(await openSource({ type: 'csv', path: 'semi.csv', delimiter: ';', comment: '#', trim: true }, { cwd: dir }));
    expect(items.map((item) => [item.ref, item.record])).toEqual([
      ['semi.csv:3', { id: '1', text: 'hello' }],
      ['semi.csv:5', { id: '2', text: 'a;b' }],
    ]);
    writeFileSync(join(dir, 'plain.csv'), 'x,1\ny,2\n');
    const plain = await collect(await openSource({ type: 'csv', path: 'plain.csv', header: false, columns: ['name', 'n'] }, { cwd: dir }));
    expect(plain.map((item) => [item.ref, item.record])).toEqual([
      ['plain.csv:1', { name: 'x', n: '1' }],
      ['plain.csv:2', { name: 'y', n: '2' }],
    ]);
  });

  it('reads a delimiter written as a backslash and a t (a flag, a single-quoted YAML string) as a tab', async () => {
    writeFileSync(join(dir, 'tabs.tsv'), 'instruction\toutput\nhi, you\tthere\n');
    const items = await collect(await openSource({ type: 'csv', path: 'tabs.tsv', delimiter: '\\t' }, { cwd: dir }));
    expect(items.map((item) => item.record)).toEqual([{ instruction: 'hi, you', output: 'there' }]);
  });

  it('renames header columns when both header and columns are set, and can relax the column count', async () => {
    writeFileSync(join(dir, 'renamed.csv'), 'A,B\n1,2\n3\n4,It is four, of course\n');
    const renamed = await collect(
      await openSource({ type: 'csv', path: 'renamed.csv', columns: ['a', 'b'], relax_column_count: true }, { cwd: dir }),
    );
    expect(renamed.slice(0, 2).map((item) => item.record)).toEqual([{ a: '1', b: '2' }, { a: '3' }]);
    // Before: the long row became { a: '4', b: 'It is four' }, " of course" lost without a word.
    expect(renamed[2]).toMatchObject({ ref: 'renamed.csv:4', issue: { code: 'parse', message: 'Invalid Record Length: columns length is 2, got 3' } });
    expect(renamed).toHaveLength(3);
  });
});

describe('csv encoding and header names', () => {
  const latin1Row = 'row is not valid UTF-8 (column "q"); the file may be Latin-1 or Windows-1252: convert it to UTF-8 (iconv -f latin1 -t utf-8)';
  // Row 3 has a Latin-1 é; row 6 has a U+FFFD that is really in the file (EF BF BD) and is kept.
  const mixed = Buffer.concat([
    Buffer.from('id,q,a\n1,ü ok,fine\n6,bad '),
    Buffer.from([0xe9]),
    Buffer.from(' latin1,ok\n7,"multi\nline",x\n8,kept \uFFFD,y\n'),
  ]);
  const expected = [
    ['2', { id: '1', q: 'ü ok', a: 'fine' }],
    ['3', { code: 'invalid_utf8', path: '', line: 3, message: latin1Row }],
    ['4', { id: '7', q: 'multi\nline', a: 'x' }],
    ['6', { id: '8', q: 'kept \uFFFD', a: 'y' }],
  ];

  it('rejects a row that is not UTF-8 as invalid_utf8, naming the column, and reads the other rows', async () => {
    writeFileSync(join(dir, 'latin1.csv'), mixed);
    const items = await collect(await openSource({ type: 'csv', path: 'latin1.csv' }, { cwd: dir }));
    expect(items.map((item) => [item.ref, item.record ?? item.issue])).toEqual(expected.map(([line, value]) => [`latin1.csv:${line}`, value]));
    expect(items.map((item) => item.line)).toEqual([2, 3, 4, 6]);
  });

  it('finds the same rows wherever the input is cut into chunks (a character split across chunks is valid)', async () => {
    for (let cut = 1; cut < mixed.length; cut++) {
      const stdin = Readable.from([mixed.subarray(0, cut), mixed.subarray(cut)]);
      const items = await collect(await openSource({ type: 'stdin', format: 'csv', compression: 'none' }, { stdin }));
      expect(items.map((item) => [item.ref, item.record ?? item.issue])).toEqual(expected.map(([line, value]) => [`stdin:${line}`, value]));
    }
  });

  it('finds the row in a file of CR-only line ends (old Mac Excel)', async () => {
    writeFileSync(join(dir, 'cr.csv'), Buffer.concat([Buffer.from('id,q\r1,ok\r2,bad '), Buffer.from([0xe9]), Buffer.from('\r3,fine\r')]));
    const items = await collect(await openSource({ type: 'csv', path: 'cr.csv' }, { cwd: dir }));
    expect(items.map((item) => item.record ?? item.issue?.code)).toEqual([{ id: '1', q: 'ok' }, 'invalid_utf8', { id: '3', q: 'fine' }]);
  });

  it('fails, naming the file, when a header name is not UTF-8', async () => {
    writeFileSync(join(dir, 'latin1-header.csv'), Buffer.concat([Buffer.from('id,r'), Buffer.from([0xe9]), Buffer.from('ponse\n1,a\n')]));
    const source = await openSource({ type: 'csv', path: 'latin1-header.csv' }, { cwd: dir });
    await expect(collect(source)).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_UNREADABLE',
      message: 'latin1-header.csv: the header is not valid UTF-8 (column 2); the file may be Latin-1 or Windows-1252: convert it to UTF-8 (iconv -f latin1 -t utf-8)',
    });
  });

  it('still reads a UTF-16 file with a byte order mark', async () => {
    writeFileSync(join(dir, 'utf16.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,q\n1,héllo\n', 'utf16le')]));
    const source = await openSource({ type: 'csv', path: 'utf16.csv' }, { cwd: dir });
    const items = await collect(source);
    expect(items.map((item) => item.record)).toEqual([{ id: '1', q: 'héllo' }]);
    // Its final line break is no blank line (before: 1, as the last byte of a UTF-16LE "\n" is 0x00).
    expect(source.stats().blankLines).toBe(0);
    writeFileSync(join(dir, 'utf16-blank.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,q\r\n1,a\r\n\r\n2,b\r\n', 'utf16le')]));
    const blank = await openSource({ type: 'csv', path: 'utf16-blank.csv' }, { cwd: dir });
    expect(await collect(blank)).toHaveLength(2);
    expect(blank.stats().blankLines).toBe(1);
    // Big-endian UTF-16 is not read, and said so (before: "may be Latin-1 or Windows-1252").
    writeFileSync(join(dir, 'utf16be.csv'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('id,q\n1,a\n', 'utf16le').swap16()]));
    await expect(collect(await openSource({ type: 'csv', path: 'utf16be.csv' }, { cwd: dir }))).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_UNREADABLE',
      message: 'utf16be.csv: the file is UTF-16BE (big-endian byte order mark), which is not read: convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)',
    });
  });

  it('refuses a header that names a column twice, or leaves two columns without a name', async () => {
    writeFileSync(join(dir, 'dup.csv'), 'id,q,a,a\n1,q1,first,second\n');
    await expect(collect(await openSource({ type: 'csv', path: 'dup.csv' }, { cwd: dir }))).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_UNREADABLE',
      message: 'dup.csv: the header names column "a" twice (columns 3 and 4): rename one, or set source.columns',
    });
    writeFileSync(join(dir, 'unnamed.csv'), 'id,,,b\n1,x,y,z\n');
    await expect(collect(await openSource({ type: 'csv', path: 'unnamed.csv' }, { cwd: dir }))).rejects.toMatchObject({
      code: 'EXPORT_SOURCE_UNREADABLE',
      message: 'unnamed.csv: the header leaves columns 2 and 3 without a name: name them, or set source.columns',
    });
  });

  it('keeps reading a header with one unnamed column (a pandas index)', async () => {
    writeFileSync(join(dir, 'pandas.csv'), ',q,a\n0,q1,a1\n');
    const items = await collect(await openSource({ type: 'csv', path: 'pandas.csv' }, { cwd: dir }));
    expect(items.map((item) => item.record)).toEqual([{ '': '0', q: 'q1', a: 'a1' }]);
  });

  it('refuses configured columns that name a column twice, as a config error', async () => {
    writeFileSync(join(dir, 'plain-dup.csv'), 'x,1,2\n');
    const source = openSource({ type: 'csv', path: 'plain-dup.csv', header: false, columns: ['name', 'n', 'n'] }, { cwd: dir });
    await expect(source).rejects.toMatchObject({ code: 'EXPORT_CONFIG_INVALID', message: expect.stringContaining('columns: names a column twice: rename one') as unknown });
  });
});

describe('jsonl options and stdin', () => {
  it('reports lines longer than max_line_length as line_too_long and reads on', async () => {
    writeFileSync(join(dir, 'long.jsonl'), `{"a":1}\n{"a":"${'x'.repeat(200)}"}\n{"a":3}\n`);
    const items = await collect(await openSource({ type: 'jsonl', path: 'long.jsonl', max_line_length: 100 }, { cwd: dir }));
    expect(items.map((item) => [item.line, item.issue?.code ?? item.record?.['a']])).toEqual([
      [1, 1],
      [2, 'line_too_long'],
      [3, 3],
    ]);
  });

  it('sniffs zstd on stdin and counts the bytes read', async () => {
    const bytes = readFileSync(join(fixtures, 'two-frames.jsonl.zst'));
    const source = await openSource({ type: 'stdin', format: 'jsonl' }, { stdin: Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]) });
    const items: SourceItem[] = [];
    for await (const item of source.items()) items.push(item);
    expect(items.map((item) => item.ref)).toEqual(['stdin:1', 'stdin:2', 'stdin:3']);
    expect(source.stats().bytesRead).toBeGreaterThan(90);
    await source.close();
  });

  it('reads stdin as a JSON array, and an empty stdin as nothing', async () => {
    const json = await openSource({ type: 'stdin', format: 'json' }, { stdin: Readable.from([Buffer.from('[{"a":1},{"a":2}]')]) });
    expect((await collect(json)).map((item) => item.ref)).toEqual(['stdin[0]', 'stdin[1]']);
    const empty = await openSource({ type: 'stdin', format: 'jsonl' }, { stdin: Readable.from([]) });
    expect(await collect(empty)).toEqual([]);
  });

  it('ends a pass blocked on stdin when close() is called', async () => {
    const stdin = new Readable({ read() {} });
    stdin.push('{"a":1}\n');
    const source = await openSource({ type: 'stdin', format: 'jsonl' }, { stdin });
    const seen: SourceItem[] = [];
    const run = (async () => {
      for await (const item of source.items()) seen.push(item);
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await source.close();
    await expect(run).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE' });
    expect(seen).toHaveLength(1);
  });
});

describe('SourceConfigSchema', () => {
  it('applies the documented defaults and describes every field', () => {
    expect(SourceConfigSchema.parse({ type: 'jsonl', path: 'a.jsonl' })).toEqual({ type: 'jsonl', path: 'a.jsonl', compression: 'auto' });
    expect(SourceConfigSchema.parse({ type: 'postgres', query: 'SELECT 1' })).toMatchObject({ url_env: 'DATABASE_URL', batch_size: 1000 });
    expect(SourceConfigSchema.parse({ type: 'stdin' })).toMatchObject({ format: 'jsonl', compression: 'auto', delimiter: ',' });
    expect(SourceConfigSchema.safeParse({ type: 'jsonl', path: 'a', extra: 1 }).success).toBe(false);
    expect(SourceConfigSchema.safeParse({ type: 'postgres', table: 'a', query: 'b' }).success).toBe(false);
    expect(SourceConfigSchema.safeParse({ type: 'csv', path: 'a.csv', header: false }).success).toBe(false);
    const schema = JSON.stringify(SourceConfigSchema.toJSONSchema());
    for (const field of ['compression', 'delimiter', 'batch_size', 'url_env', 'key', 'max_line_length']) {
      expect(schema).toContain(`"${field}"`);
    }
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, { description?: string }> }).properties;
      if (properties) for (const [key, value] of Object.entries(properties)) if (!value.description) undescribed.push(`${path}.${key}`);
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
    };
    walk(SourceConfigSchema.toJSONSchema(), '');
    expect(undescribed.filter((p) => !p.endsWith('.type'))).toEqual([]);
  });
});

describe('csv refs (property)', () => {
  it('gives each record, and each row skipped for its field count, the physical line it starts on, whatever the line ends, blank lines or chunking', async () => {
    const cell = fc.array(fc.constantFrom('x', 'ü', ',', '"', ' ', '\n'), { maxLength: 8 }).map((parts) => parts.join(''));
    // `extra`: a third field, so csv-parse skips the row (a parse issue at its line).
    const row = fc.record({ a: cell, b: cell, blanksBefore: fc.integer({ min: 0, max: 2 }), extra: fc.option(cell, { freq: 4 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 15 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
        async (rows, eol, finalNewline, cuts) => {
          const quote = (value: string) => `"${value.replaceAll('"', '""').replaceAll('\n', eol)}"`;
          let text = `a,b${eol}`;
          const starts: number[] = [];
          let line = 2;
          let blanks = 0;
          for (const [i, { a, b, blanksBefore, extra }] of rows.entries()) {
            text += eol.repeat(blanksBefore);
            line += blanksBefore;
            blanks += blanksBefore;
            starts.push(line);
            text += `${quote(a)},${quote(b)}${extra === null ? '' : `,${quote(extra)}`}${i < rows.length - 1 || finalNewline ? eol : ''}`;
            line += 1 + a.split('\n').length - 1 + b.split('\n').length - 1 + (extra ?? '').split('\n').length - 1;
          }
          const bytes = Buffer.from(text);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const cut of cuts) {
            if (at >= bytes.length) break;
            chunks.push(bytes.subarray(at, at + cut));
            at += cut;
          }
          if (at < bytes.length) chunks.push(bytes.subarray(at));
          const source = await openSource({ type: 'stdin', format: 'csv', compression: 'none' }, { stdin: Readable.from(chunks) });
          const items = await collect(source);
          expect(items.map((item) => item.record ?? item.issue?.code)).toEqual(
            rows.map(({ a, b, extra }) => (extra === null ? { a: a.replaceAll('\n', eol), b: b.replaceAll('\n', eol) } : 'parse')),
          );
          expect(items.map((item) => item.line)).toEqual(starts);
          expect(source.stats().blankLines).toBe(blanks);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names the line a row with an unclosed quote starts on, and counts no blank line for the final newline', async () => {
    writeFileSync(join(dir, 'crlf.csv'), 'instruction,output\r\n"a\r\nb",answer one\r\nq2,\r\n');
    const crlf = await openSource({ type: 'csv', path: 'crlf.csv' }, { cwd: dir });
    expect((await collect(crlf)).map((item) => item.ref)).toEqual(['crlf.csv:2', 'crlf.csv:4']);
    expect(crlf.stats().blankLines).toBe(0);
    writeFileSync(join(dir, 'unclosed.csv'), 'instruction,output\n\nq1,a1\n"broken,x\nq3,a3\n');
    const unclosed = await openSource({ type: 'csv', path: 'unclosed.csv' }, { cwd: dir });
    const items = await collect(unclosed);
    expect(items.map((item) => [item.ref, item.issue?.code])).toEqual([
      ['unclosed.csv:3', undefined],
      ['unclosed.csv:4', 'parse'],
    ]);
    expect(unclosed.stats().blankLines).toBe(1);
    expect(items[1]?.issue?.message).toBe('Quote Not Closed: the parsing is finished with an opening quote');
    // A ragged row after a quoted CRLF: csv-parse's own message said "on line 4", a line the row is not on.
    writeFileSync(join(dir, 'ragged.csv'), 'instruction,output\r\n"a\r\nb",one\r\nq2,two,three\r\n');
    const ragged = await collect(await openSource({ type: 'csv', path: 'ragged.csv' }, { cwd: dir }));
    expect(ragged.map((item) => [item.ref, item.issue?.message])).toEqual([
      ['ragged.csv:2', undefined],
      ['ragged.csv:4', 'Invalid Record Length: columns length is 2, got 3'],
    ]);
  });

  it('gives a row with several errors (stray quotes) one parse issue, so the records after it keep their refs', async () => {
    writeFileSync(join(dir, 'quotes.csv'), 'id,instruction,output\n1,Q1,A1\n2,He said "hi" there,A2\n3,Q3,A3\n');
    const items = await collect(await openSource({ type: 'csv', path: 'quotes.csv' }, { cwd: dir }));
    expect(items.map((item) => [item.ref, item.issue?.code ?? item.record?.['id']])).toEqual([
      ['quotes.csv:2', '1'],
      ['quotes.csv:3', 'parse'],
      ['quotes.csv:4', '3'],
    ]);
  });
});

describe('zstd round trip with the writer side', () => {
  it('reads back, record for record, a multi-frame .jsonl.zst written by the exporter\'s zstd stream', async () => {
    const records = Array.from({ length: 6000 }, (_, i) => ({ id: i, text: `${'lorem ipsum '.repeat(30)}${i}` }));
    const path = join(dir, 'written.jsonl.zst');
    await pipeline(Readable.from(records.map((r) => `${JSON.stringify(r)}\n`)), await createZstdCompressStream(), createWriteStream(path));
    const items = await collect(await openSource({ type: 'jsonl', path }, { cwd: dir }));
    expect(items.length).toBe(records.length);
    expect(items.map((item) => item.record)).toEqual(records);
  });
});
