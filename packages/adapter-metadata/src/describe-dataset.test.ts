import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tools/test-env.mjs';
import { describeDataset } from './describe-dataset.js';
import { hashFile } from './hash-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lorakit-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const instruction = sharedPath('datasets/instruction');

describe.skipIf(instruction === undefined)('on the shared JSONL files (checksums from SOURCES.md)', () => {
  const seed = join(instruction ?? '', 'yizhongw__self-instruct__seed_tasks.jsonl');

  it('hashFile matches the published sha256', async () => {
    expect(await hashFile(seed)).toBe('7779004fa198fdf27cf70a159363879d8a26c53329e11b436af17b3941875f48');
  });

  it('describeDataset counts the records SOURCES.md lists, plain and gzipped', async () => {
    const gz = join(dir, 'seed_tasks.train.jsonl.gz');
    const gzBytes = gzipSync(await readFile(seed));
    await writeFile(gz, gzBytes);
    const [plain, zipped] = await describeDataset([{ path: seed, split: 'train' }, gz]);
    expect(plain).toEqual({
      path: seed, split: 'train', records: 175, bytes: 110934,
      sha256: '7779004fa198fdf27cf70a159363879d8a26c53329e11b436af17b3941875f48',
    });
    expect(zipped).toEqual({
      path: gz, split: 'train', records: 175, bytes: gzBytes.length,
      sha256: createHash('sha256').update(gzBytes).digest('hex'),
    });
  });

  it('counts the 252 predictions', async () => {
    const [entry] = await describeDataset([join(instruction ?? '', 'yizhongw__self-instruct__davinci-self-instruct_predictions.jsonl')]);
    expect(entry?.records).toBe(252);
  });
});

describe('describeDataset', () => {
  it('refuses a single path instead of reading it character by character', async () => {
    await expect(describeDataset('train.jsonl' as unknown as string[])).rejects.toThrow('describeDataset: expected an array of paths');
  });

  it('counts non-blank lines only: blank, whitespace-only and CRLF lines, no final newline', async () => {
    const path = join(dir, 'mixed.jsonl');
    await writeFile(path, '{"a":1}\r\n\r\n   \n{"a":"é"}\n\t\n{"a":3}');
    const [entry] = await describeDataset([path]);
    expect(entry).toMatchObject({ records: 3, bytes: Buffer.byteLength('{"a":1}\r\n\r\n   \n{"a":"é"}\n\t\n{"a":3}') });
    expect(entry).not.toHaveProperty('split');
  });

  it('counts a first line holding only a UTF-8 BOM as blank, as readJsonl does', async () => {
    const path = join(dir, 'bom.jsonl');
    await writeFile(path, '\ufeff\n{"a":1}\n');
    const gz = join(dir, 'bom.jsonl.gz');
    await writeFile(gz, gzipSync('\ufeff\n{"a":1}\n'));
    expect((await describeDataset([path, gz])).map((e) => e.records)).toEqual([1, 1]);
  });

  it('guesses the split from the file name', async () => {
    const names = ['train.jsonl', 'validation.jsonl', 'data-test.jsonl', 'eval_set.jsonl'];
    for (const name of names) await writeFile(join(dir, name), '{}\n');
    const entries = await describeDataset(names.map((n) => join(dir, n)));
    expect(entries.map((e) => e.split)).toEqual(['train', 'validation', 'test', 'validation']);
  });

  it('reports an unreadable file and a corrupt gzip as METADATA_READ_FAILED', async () => {
    await expect(describeDataset([join(dir, 'missing.jsonl')])).rejects.toMatchObject({ code: 'METADATA_READ_FAILED' });
    const corrupt = join(dir, 'corrupt.jsonl.gz');
    await writeFile(corrupt, Buffer.concat([gzipSync('{"a":1}\n').subarray(0, 12)]));
    await expect(describeDataset([corrupt])).rejects.toMatchObject({ code: 'METADATA_READ_FAILED', file: corrupt });
    await expect(hashFile(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'METADATA_READ_FAILED' });
  });
});
