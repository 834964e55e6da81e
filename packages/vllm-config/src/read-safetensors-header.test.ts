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

  it('rejects what the safetensors library rejects: trailing bytes, gaps or overlaps between tensors, non-string metadata', async () => {
    const raw = async (name: string, header: Record<string, unknown>, dataBytes: number): Promise<string> => {
      const json = Buffer.from(JSON.stringify(header));
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(json.length));
      const path = join(dir, name);
      await writeFile(path, Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]));
      return path;
    };
    const a = { dtype: 'F16', shape: [4], data_offsets: [0, 8] };

    const trailing = join(dir, 'trailing.safetensors');
    await writeSafetensors(trailing, [{ name: 'x', shape: [4, 4] }]);
    await writeFile(trailing, Buffer.concat([await readFile(trailing), Buffer.alloc(3)]));
    await expect(readSafetensorsHeader(trailing)).rejects.toThrow(/tensor data ends at offset 32 but the file holds 35 data bytes: 3 trailing bytes/);

    const gap = await raw('gap.safetensors', { a, b: { dtype: 'F16', shape: [4], data_offsets: [16, 24] } }, 24);
    await expect(readSafetensorsHeader(gap)).rejects.toThrow(/tensor "b" data starts at offset 16 but the previous tensor ends at 8: 8 bytes of gap/);
    const overlap = await raw('overlap.safetensors', { a, b: { dtype: 'F16', shape: [4], data_offsets: [4, 12] } }, 12);
    await expect(readSafetensorsHeader(overlap)).rejects.toThrow(/tensor "b" data starts at offset 4 but the previous tensor ends at 8: overlapping data/);
    const late = await raw('late.safetensors', { a: { dtype: 'F16', shape: [4], data_offsets: [8, 16] } }, 16);
    await expect(readSafetensorsHeader(late)).rejects.toThrow(/tensor "a" data starts at offset 8 but the previous tensor ends at 0/);

    const numeric = await raw('numeric.safetensors', { __metadata__: { format: 'pt', step: 3 }, a }, 8);
    await expect(readSafetensorsHeader(numeric)).rejects.toThrow(/__metadata__ "step" is 3, not a string/);
    const list = await raw('list.safetensors', { __metadata__: ['pt'], a }, 8);
    await expect(readSafetensorsHeader(list)).rejects.toMatchObject({ code: 'VLLM_SAFETENSORS_INVALID' });
    // The library reads it as Option<map>: null is a file without metadata, which it loads.
    const none = await raw('null-metadata.safetensors', { __metadata__: null, a }, 8);
    expect(await readSafetensorsHeader(none)).toMatchObject({ metadata: {}, tensors: [{ name: 'a' }] });

    const ok = await raw('ok-raw.safetensors', { __metadata__: { format: 'pt' }, b: { dtype: 'F16', shape: [4], data_offsets: [8, 16] }, a }, 16);
    expect((await readSafetensorsHeader(ok)).tensors.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('throws VLLM_ADAPTER_UNREADABLE for a missing file', async () => {
    await expect(readSafetensorsHeader(join(dir, 'missing.safetensors'))).rejects.toMatchObject({ code: 'VLLM_ADAPTER_UNREADABLE' });
  });
});
