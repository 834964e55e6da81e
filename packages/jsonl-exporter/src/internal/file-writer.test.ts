import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileWriter } from './file-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lorakit-file-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Many short lines (several buffer reuses), lines of multi-byte text, and one line longer than a chunk.
const LINES = [
  ...Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, text: `line ${i} ${'x'.repeat(i % 97)}` })),
  JSON.stringify({ text: 'Grüße, 東京, 🦙 '.repeat(20_000) }),
  ...Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, text: 'ümlaut €'.repeat(i) })),
];
const EXPECTED = `${LINES.join('\n')}\n`;

async function writeAll(path: string, compression: 'none' | 'gzip'): Promise<Awaited<ReturnType<FileWriter['close']>>> {
  const writer = await FileWriter.open(path, compression);
  for (const line of LINES) await writer.write(line);
  return writer.close();
}

describe('FileWriter', () => {
  it('writes every line, and reports the bytes, records and SHA-256 of the file as written', async () => {
    const path = join(dir, 'train.jsonl');
    const written = await writeAll(path, 'none');
    const bytes = await readFile(path);
    expect(bytes.toString('utf8')).toBe(EXPECTED);
    expect(written).toEqual({ path, bytes: bytes.length, records: LINES.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('hashes the compressed bytes of a gzip file, which decompress to the lines', async () => {
    const path = join(dir, 'train.jsonl.gz');
    const written = await writeAll(path, 'gzip');
    const bytes = await readFile(path);
    expect(gunzipSync(bytes).toString('utf8')).toBe(EXPECTED);
    expect(written.bytes).toBe(bytes.length);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('keeps many files apart when their writes interleave (they share write buffers)', async () => {
    const writers = await Promise.all(Array.from({ length: 40 }, (_, f) => FileWriter.open(join(dir, `bucket-${f}.txt`), 'none')));
    const expected = writers.map(() => '');
    for (let i = 0; i < 8000; i++) {
      const f = (i * 7) % writers.length;
      const line = `${f}:${i}:${'é'.repeat(i % 500)}`;
      expected[f] += `${line}\n`;
      await (writers[f] as FileWriter).write(line);
    }
    const written = await Promise.all(writers.map((w) => w.close()));
    for (const [f, file] of written.entries()) {
      const bytes = await readFile(file.path);
      expect(bytes.toString('utf8')).toBe(expected[f]);
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('writes a valid compressed file when there are no lines (a zstd file of 0 bytes is no zstd stream)', async () => {
    const { decompress, init } = await import('@bokuweb/zstd-wasm');
    await init();
    for (const compression of ['gzip', 'zstd'] as const) {
      const path = join(dir, `empty.jsonl.${compression}`);
      const writer = await FileWriter.open(path, compression);
      const written = await writer.close();
      const bytes = await readFile(path);
      expect(bytes.length, compression).toBeGreaterThan(0);
      expect(written.bytes).toBe(bytes.length);
      const plain = compression === 'gzip' ? gunzipSync(bytes) : Buffer.from(decompress(bytes));
      expect(plain.length).toBe(0);
    }
  });

  it('never writes over an existing file', async () => {
    const path = join(dir, 'train.jsonl');
    await writeFile(path, 'keep me\n');
    await expect(writeAll(path, 'none')).rejects.toMatchObject({ code: 'EXPORT_WRITE_FAILED', message: expect.stringContaining(path) });
    expect(await readFile(path, 'utf8')).toBe('keep me\n');
  });
});
