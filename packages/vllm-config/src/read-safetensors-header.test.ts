import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from './index.js';
import { writeSafetensors } from '../test/safetensors-fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vllm-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readSafetensorsHeader', () => {
  it('lists tensor names, dtypes and shapes in data order', async () => {
    const path = join(dir, 'ok.safetensors');
    await writeSafetensors(path, [
      { name: 'a.lora_A.weight', shape: [8, 64] },
      { name: 'a.lora_B.weight', shape: [64, 8], dtype: 'F32' },
    ]);
    const header = await readSafetensorsHeader(path);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.tensors).toEqual([
      { name: 'a.lora_A.weight', dtype: 'F16', shape: [8, 64], dataOffsets: [0, 1024] },
      { name: 'a.lora_B.weight', dtype: 'F32', shape: [64, 8], dataOffsets: [1024, 3072] },
    ]);
  });

  it('rejects a length prefix larger than the file, a non-JSON header and offsets that do not fit the shape', async () => {
    const big = join(dir, 'big.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(1_000_000n);
    await writeFile(big, Buffer.concat([prefix, Buffer.from('{}')]));
    await expect(readSafetensorsHeader(big)).rejects.toMatchObject({ code: 'VLLM_SAFETENSORS_INVALID' });

    const garbage = join(dir, 'garbage.safetensors');
    prefix.writeBigUInt64LE(4n);
    await writeFile(garbage, Buffer.concat([prefix, Buffer.from('nope')]));
    await expect(readSafetensorsHeader(garbage)).rejects.toMatchObject({ code: 'VLLM_SAFETENSORS_INVALID' });

    const truncated = join(dir, 'truncated.safetensors');
    await writeSafetensors(truncated, [{ name: 'x', shape: [4, 4] }]);
    const bytes = await readFile(truncated);
    await writeFile(truncated, bytes.subarray(0, bytes.length - 2));
    await expect(readSafetensorsHeader(truncated)).rejects.toThrow(/"x" data_offsets \[0, 32\] do not fit/);
  });

  it('throws VLLM_ADAPTER_UNREADABLE for a missing file', async () => {
    await expect(readSafetensorsHeader(join(dir, 'missing.safetensors'))).rejects.toMatchObject({ code: 'VLLM_ADAPTER_UNREADABLE' });
  });
});
