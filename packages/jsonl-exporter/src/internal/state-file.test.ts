import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQualityAccumulator } from '@lorakit/quality-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { writeStateFile } from './state-file.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function written(chunks: Iterable<string>) {
  const dir = await mkdtemp(join(tmpdir(), 'lorakit-state-'));
  dirs.push(dir);
  const path = join(dir, 'state.json');
  const result = await writeStateFile(path, chunks);
  return { result, text: await readFile(path, 'utf8') };
}

describe('writeStateFile', () => {
  it("writes an accumulator's state as JSON.stringify would, and a newline, with their size and SHA-256", async () => {
    const acc = createQualityAccumulator({ sampleRate: 0.5 });
    for (let line = 1; line <= 300; line++) acc.add({ prompt: `Frage ${line} über Größe 👍`, completion: `Antwort ${line % 50}` }, { line });
    const expected = `${JSON.stringify(acc.toJSON())}\n`;
    const { result, text } = await written(acc.toJSONChunks());
    expect(text).toBe(expected);
    expect(result).toEqual({ bytes: Buffer.byteLength(expected), sha256: createHash('sha256').update(expected).digest('hex') });
  });

  it('keeps a surrogate pair whole where a chunk is written in more than one slice', async () => {
    // The pair's first half is the last character of the chunk's first 1 MiB slice.
    const chunk = `${'a'.repeat(2 ** 20 - 1)}👍b`;
    const { text } = await written(['{"big":"', chunk, '"}']);
    expect(text).toBe(`{"big":"${chunk}"}\n`);
    expect(text).not.toContain('\ufffd');
  });
});
