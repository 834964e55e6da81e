import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource } from './open-source.js';
import type { SourceItem } from './source.js';
import { collectItems } from '../../test/collect-items.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parquet source values', () => {
  it('writes NaN and ±Infinity as the text PostgreSQL writes, in columns and inside lists, not as null', async () => {
    parquetWriteFile({
      filename: join(dir, 'floats.parquet'),
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'f', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 'v', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
      columnData: [
        { name: 'x', data: [Number.NaN, Infinity, -Infinity, 0.5] },
        { name: 'f', data: [-Infinity, Number.NaN, 0.25, null] },
        { name: 'v', data: [[Number.NaN, 1], [Infinity, -Infinity], [], null] },
      ],
    });
    const items = await collectItems(await openSource({ type: 'parquet', path: 'floats.parquet' }, { cwd: dir }));
    // Before: every one of these non-finite values became null in the output.
    expect(items.map((item) => JSON.stringify(item.record))).toEqual([
      '{"x":"NaN","f":"-Infinity","v":["NaN",1]}',
      '{"x":"Infinity","f":"NaN","v":["Infinity","-Infinity"]}',
      '{"x":"-Infinity","f":0.25,"v":[]}',
      '{"x":0.5,"f":null,"v":null}',
    ]);
  });
});

describe('parquet source: what hyparquet alone would change', () => {
  const read = async (file: string): Promise<SourceItem[]> => collectItems(await openSource({ type: 'parquet', path: file }, { cwd: dir }));

  it('bytes that are not UTF-8 become base64, wide decimals that lost digits reject their row, -1 µs is before 1970', async () => {
    const bytes = (...b: number[]) => new Uint8Array(b);
    parquetWriteFile({
      filename: join(dir, 'typed.parquet'),
      schema: [
        { name: 'root', num_children: 8 },
        { name: 'bin', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        { name: 'plain', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        { name: 'str', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
        { name: 'js', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'JSON' },
        { name: 'dec', type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', precision: 38, scale: 2 },
        { name: 'small', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', precision: 18, scale: 4 },
        { name: 'd16', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', precision: 16, scale: 3 },
        { name: 'ts', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MICROS' },
      ],
      columnData: [
        { name: 'bin', data: [bytes(0, 255), new TextEncoder().encode('hello'), null, null] },
        { name: 'plain', data: [new TextEncoder().encode('text'), new TextEncoder().encode('unannotated'), null, null] },
        { name: 'str', data: [bytes(0x61, 0xff), 'ok', null, null] },
        { name: 'js', data: [{ n: 1 }, { a: [{ n: 2 }] }, null, null] },
        { name: 'dec', data: [1234n, -1234n, 1234567890123456789012n, null] },
        { name: 'small', data: [5n, 5n, 123456789012345678n, null] },
        { name: 'd16', data: [1n, 2n, null, 8999999999999999n] },
        { name: 'ts', data: [-1n, 1n, null, null] },
      ],
    });
    const items = await read('typed.parquet');
    // Before: bin was "\u0000\uFFFD", then "hello" in the same column; the last rows exported 12345678901234567000,
    // 12345678901234.568 and 8999999999999.998; -1 µs was 1970-01-01T00:00:00.000Z. A column of UTF-8 bytes without
    // annotation stays text; a text column keeps its U+FFFD.
    expect(items.slice(0, 2).map((item) => JSON.stringify(item.record))).toEqual([
      '{"bin":"AP8=","plain":"text","str":"a\uFFFD","js":{"n":1},"dec":12.34,"small":0.0005,"d16":0.001,"ts":"1969-12-31T23:59:59.999Z"}',
      '{"bin":"aGVsbG8=","plain":"unannotated","str":"ok","js":{"a":[{"n":2}]},"dec":-12.34,"small":0.0005,"d16":0.002,"ts":"1970-01-01T00:00:00.000Z"}',
    ]);
    expect(items[2]).toMatchObject({ ref: 'typed.parquet[2]', issue: { code: 'unsafe_integer', path: '/dec' } });
    expect(items[2]?.issue?.message).toContain('/small: DECIMAL(18,4) value 12345678901234.568 may have lost digits');
    expect(items[3]).toMatchObject({ issue: { code: 'unsafe_integer', path: '/d16', message: expect.stringContaining('8999999999999.998') } });
  });

  it('JSON values holding an integer beyond 2^53 reject their row, as the JSON sources reject such a line', async () => {
    // A writer in JavaScript cannot write 9007199254740993: write 2^53, uncompressed, and change its last digit.
    const file = join(dir, 'json.parquet');
    parquetWriteFile({
      filename: file,
      codec: 'UNCOMPRESSED',
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'doc', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'JSON' },
      ],
      columnData: [{ name: 'doc', data: [{ a: [{ n: 1 }] }, { a: [{ n: 2 ** 53 }] }] }],
    });
    const written = readFileSync(file);
    const at = written.indexOf('9007199254740992');
    expect(at).toBeGreaterThan(0);
    written[at + 15] = '3'.charCodeAt(0);
    writeFileSync(file, written);
    const items = await read('json.parquet');
    expect(items[0]?.record).toEqual({ doc: { a: [{ n: 1 }] } });
    // Before: {"a":[{"n":9007199254740992}]}, a digit lost without a word.
    expect(items[1]).toMatchObject({ ref: 'json.parquet[1]', issue: { code: 'unsafe_integer', path: '/doc/a/0/n' } });
  });
});

// The decoder thread runs compiled JavaScript: these run the built package (npm test builds first) in a child process.
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** runExport of `file` on the built package in a child process, aborted after `abortAfterMs` if given. */
async function exportInChild(file: string, abortAfterMs?: number): Promise<{ code?: string; message?: string; exported?: number; ms: number }> {
  const script = `
    const { parseExportConfig, runExport } = await import(${JSON.stringify(dist)});
    const [file, out, abortAfter] = process.argv.slice(1);
    const signal = abortAfter === '' ? undefined : AbortSignal.timeout(Number(abortAfter));
    const started = Date.now();
    try {
      const config = parseExportConfig({ source: { type: 'parquet', path: file }, field_mapping: { instruction_field: 'q', output_field: 'a' }, output: { dir: out } });
      const result = await runExport(config, signal ? { signal } : {});
      process.stdout.write(JSON.stringify({ exported: result.stats.exported, ms: Date.now() - started }));
    } catch (error) {
      process.stdout.write(JSON.stringify({ code: error.code, message: error.message, ms: Date.now() - started }));
    }`;
  const args = ['--input-type=module', '-e', script, file, join(dir, `out-${Math.random().toString(36).slice(2)}`), String(abortAfterMs ?? '')];
  const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 60_000 });
  return JSON.parse(stdout) as { code?: string; message?: string; exported?: number; ms: number };
}

describe('parquet source on a damaged file', () => {
  it('fails after its time budget, or stops at once on abort, where the decoder loops forever', async () => {
    expect(existsSync(dist), `build the package first (npx nx build jsonl-exporter): ${dist} is missing`).toBe(true);
    const good = join(dir, 'good.parquet');
    parquetWriteFile({
      filename: good,
      rowGroupSize: 2,
      columnData: [
        { name: 'q', data: ['Question one?', 'Question two?', 'Question three?', 'Question four?', 'Question five?'], type: 'STRING' },
        { name: 'a', data: ['Answer one text', 'Answer two text', 'Answer three text', 'Answer four text', null], type: 'STRING' },
        { name: 'big', data: [1n, 9007199254740993n, -5n, 0n, 7n], type: 'INT64' },
        { name: 'ts', data: [new Date('2019-05-01T00:00:00Z'), new Date('2021-05-01T10:00:00Z'), new Date('2022-01-01T00:00:00Z'), null, new Date('2024-01-01T00:00:00Z')], type: 'TIMESTAMP' },
        { name: 'imp', data: [0.1, 0.9, 0.6, 0.7, Number.NaN], type: 'DOUBLE' },
        { name: 'flag', data: [true, false, true, null, true], type: 'BOOLEAN' },
      ],
    });
    // Zeroed bytes across the first row group's last data pages (as a bad disk or an interrupted copy leaves them):
    // hyparquet 1.33 then loops without end in its level decoder.
    const bytes = readFileSync(good);
    bytes.fill(0, 200, 500);
    const damaged = join(dir, 'damaged.parquet');
    writeFileSync(damaged, bytes);
    expect(await exportInChild(good)).toMatchObject({ exported: 4 });
    const failed = await exportInChild(damaged);
    expect(failed).toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE', message: `${damaged}: row group 1 of 3 (rows 0-1): not decoded in 10 s: the file is likely damaged` });
    // Stopped at once by an abort (before: Ctrl-C and kill were ignored until the process was killed with -9).
    const aborted = await exportInChild(damaged, 500);
    expect(aborted).toMatchObject({ code: 'EXPORT_ABORTED' });
    expect(aborted.ms).toBeLessThan(5000);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  }, 60_000);
});
