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

async function written(state: object) {
  const dir = await mkdtemp(join(tmpdir(), 'lorakit-state-'));
  dirs.push(dir);
  const path = join(dir, 'state.json');
  const result = await writeStateFile(path, state);
  return { result, text: await readFile(path, 'utf8') };
}

describe('writeStateFile', () => {
  it('writes the bytes of JSON.stringify(state) and a newline, with their size and SHA-256', async () => {
    const acc = createQualityAccumulator({ sampleRate: 0.5 });
    for (let line = 1; line <= 300; line++) acc.add({ prompt: `Frage ${line} über Größe 👍`, completion: `Antwort ${line % 50}` }, { line });
    const state = acc.toJSON();
    const expected = `${JSON.stringify(state)}\n`;
    const { result, text } = await written(state);
    expect(text).toBe(expected);
    expect(result).toEqual({ bytes: Buffer.byteLength(expected), sha256: createHash('sha256').update(expected).digest('hex') });
  });

  it('keeps a surrogate pair whole where a field is written in more than one slice', async () => {
    // The pair's first half is the last character of the first 1 MiB slice of the field's JSON text ("a...👍b").
    const state = { big: `${'a'.repeat(2 ** 20 - 2)}👍b` };
    const { text } = await written(state);
    expect(text).toBe(`${JSON.stringify(state)}\n`);
    expect(text).not.toContain('\ufffd');
  });

  it('leaves out fields without a JSON value, as JSON.stringify does, and writes an empty object', async () => {
    const state = { a: 1, skip: undefined, f: () => 1, b: [undefined, 'x'], c: { d: undefined } };
    expect((await written(state)).text).toBe(`${JSON.stringify(state)}\n`);
    expect((await written({ only: undefined })).text).toBe('{}\n');
  });
});
