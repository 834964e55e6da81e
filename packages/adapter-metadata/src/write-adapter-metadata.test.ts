import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterMetadataInput } from './adapter-metadata-schema.js';
import { readAdapterMetadata } from './read-adapter-metadata.js';
import { writeAdapterMetadata } from './write-adapter-metadata.js';

const fixtures = new URL('../test/fixtures/', import.meta.url);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lorakit-metadata-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(name, fixtures), 'utf8')) as Record<string, unknown>;
}

describe('writeAdapterMetadata / readAdapterMetadata', () => {
  it('writes 2-space JSON, keys in schema order whatever the input order, and reads it back', async () => {
    const meta = await fixture('adapter_metadata.json');
    const shuffled = Object.fromEntries(Object.entries(meta).reverse());
    const path = join(dir, 'adapter_metadata.json');
    await writeAdapterMetadata(path, shuffled as AdapterMetadataInput);
    const text = await readFile(path, 'utf8');
    expect(Object.keys(JSON.parse(text) as object)).toEqual(Object.keys(meta));
    expect(text).toMatch(/^\{\n {2}"adapter_id": "support-bot",\n {2}"adapter_version"/);
    expect(text.endsWith('}\n')).toBe(true);
    const { metadata, warnings } = await readAdapterMetadata(path);
    expect(metadata).toEqual(meta);
    expect(warnings).toEqual([]);
  });

  it('keeps unknown keys with a warning naming the line', async () => {
    const path = join(dir, 'unknown.json');
    await writeFile(path, '{\n  "adapter_id": "a1",\n  "base_model": { "name": "gpt2", "quantization": "none" },\n  "owner_team": "ml"\n}\n');
    const { metadata, warnings } = await readAdapterMetadata(path);
    expect(metadata).toMatchObject({ owner_team: 'ml', base_model: { quantization: 'none' } });
    expect(warnings.map((w) => `${w.code} ${w.path} ${w.line}`)).toEqual([
      'unknown_key /base_model/quantization 3', 'unknown_key /owner_team 4',
    ]);
  });

  it('accepts and normalises a file in the original system\'s shape', async () => {
    const { metadata, warnings } = await readAdapterMetadata(new URL('legacy_adapter_metadata.json', fixtures).pathname);
    expect(metadata.training).toMatchObject({
      num_samples: 5000, epochs: 3, learning_rate: 0.0002, lora_rank: 8, lora_alpha: 16, lora_dropout: 0.1,
      target_modules: ['q_proj', 'v_proj'],
    });
    // A %f-formatted number becomes a number; other strings stay strings, even digit-only ones.
    expect(metadata.custom).toEqual({ min_quality_score: 4.5, reviewer: 'dana', ticket: '007' });
    expect(warnings.every((w) => w.code === 'legacy_normalized')).toBe(true);
    expect(warnings.map((w) => w.path)).toContain('/custom/min_quality_score');
  });

  it('reports an invalid file with file, line and field, and leaves the input untouched', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{\n  "adapter_id": "a1",\n  "base_model": { "name": "gpt2" },\n  "training": {\n    "lora_rank": "8",\n    "lora_dropout": 1.5\n  }\n}\n');
    const error = await readAdapterMetadata(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'METADATA_INVALID', file: path,
      issues: [{ code: 'too_big', path: '/training/lora_dropout', line: 6 }] });
    expect((error as Error).message).toContain(`${path}:6: /training/lora_dropout: must be in [0, 1)`);
  });

  it('reports broken JSON with its line, and a missing file', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{\n  "adapter_id": "a1",\n}\n');
    await expect(readAdapterMetadata(path)).rejects.toMatchObject({ code: 'METADATA_JSON_PARSE', issues: [{ line: 3 }] });
    // V8 gives no position for an unexpected token, only the text around it (before: no line at all).
    const python = join(dir, 'python.json');
    await writeFile(python, '{\n "adapter_id": "x",\n "base_model": {"name": "m"},\n "training": {\n  "use_dora": False\n }\n}\n');
    await expect(readAdapterMetadata(python)).rejects.toMatchObject({ code: 'METADATA_JSON_PARSE', issues: [{ line: 5 }] });
    const empty = join(dir, 'empty-value.json');
    await writeFile(empty, '{\n "adapter_id": "x",\n "a": 1,\n "custom": }\n');
    await expect(readAdapterMetadata(empty)).rejects.toMatchObject({ code: 'METADATA_JSON_PARSE', issues: [{ line: 4 }] });
    await expect(readAdapterMetadata(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'METADATA_READ_FAILED' });
  });

  it('tells a PEFT adapter_config.json apart from metadata on read', async () => {
    const path = join(dir, 'looks_like_metadata.json');
    await writeFile(path, JSON.stringify({ peft_type: 'LORA', r: 8 }));
    await expect(readAdapterMetadata(path)).rejects.toThrow(/PEFT adapter_config.json.*fromPeftConfig/);
  });
});

describe('the sidecar rule', () => {
  const meta = { adapter_id: 'a1', base_model: { name: 'gpt2' } };

  it('refuses to write a file named adapter_config.json', async () => {
    const path = join(dir, 'adapter_config.json');
    await expect(writeAdapterMetadata(path, meta)).rejects.toMatchObject({ code: 'METADATA_WOULD_OVERWRITE_PEFT_CONFIG' });
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to write over an existing PEFT config under any name, leaving it intact', async () => {
    const path = join(dir, 'config.json');
    const peft = JSON.stringify({ peft_type: 'LORA', r: 8, target_modules: ['q_proj'] });
    await writeFile(path, peft);
    await expect(writeAdapterMetadata(path, meta)).rejects.toMatchObject({ code: 'METADATA_WOULD_OVERWRITE_PEFT_CONFIG' });
    expect(await readFile(path, 'utf8')).toBe(peft);
  });

  it('writes atomically: invalid metadata leaves the old file as it was and no temp file behind', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const path = join(sub, 'adapter_metadata.json');
    await writeAdapterMetadata(path, meta);
    const before = await readFile(path, 'utf8');
    await expect(writeAdapterMetadata(path, { ...meta, training: { lora_rank: 0 } })).rejects.toMatchObject({ code: 'METADATA_INVALID' });
    expect(await readFile(path, 'utf8')).toBe(before);
    await writeAdapterMetadata(path, { ...meta, adapter_version: '2.0.0' });
    expect(await readdir(sub)).toEqual(['adapter_metadata.json']);
  });

  it('reports a folder that does not exist as METADATA_WRITE_FAILED', async () => {
    await expect(writeAdapterMetadata(join(dir, 'nope', 'adapter_metadata.json'), meta))
      .rejects.toMatchObject({ code: 'METADATA_WRITE_FAILED' });
  });
});

const slug = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}[a-z0-9]$/);
const text = fc.string({ minLength: 1, maxLength: 20 });
const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const metadata = fc.record({
  adapter_id: slug,
  adapter_version: fc.tuple(fc.nat(50), fc.nat(50), fc.nat(50)).map(([a, b, c]) => `${a}.${b}.${c}`),
  description: fc.option(text, { nil: undefined }),
  base_model: fc.record({ name: fc.constantFrom('gpt2', 'mistralai/Mistral-7B-v0.1'), revision: fc.option(text, { nil: undefined }) },
    { requiredKeys: ['name'] }),
  task: fc.record({
    type: text,
    language: fc.oneof(fc.constantFrom('en', 'de', 'pt-BR'), fc.constantFrom(['en', 'zh'], ['fr'])),
    keywords: fc.array(text, { maxLength: 4 }),
  }, { requiredKeys: [] }),
  training: fc.record({
    lora_rank: fc.integer({ min: 1, max: 512 }),
    lora_alpha: fc.double({ min: 0.5, max: 512, noNaN: true }),
    lora_dropout: fc.double({ min: 0, max: 0.99, noNaN: true }),
    target_modules: fc.oneof(fc.array(fc.constantFrom('q_proj', 'v_proj', 'o_proj'), { minLength: 1, maxLength: 3 }), fc.constant('.*_proj$')),
    use_dora: fc.boolean(),
    epochs: fc.double({ min: 0.1, max: 10, noNaN: true }),
  }, { requiredKeys: [] }),
  provenance: fc.record({
    datasets: fc.array(fc.record({
      path: text, sha256: fc.stringMatching(/^[0-9a-f]{64}$/), bytes: fc.nat(), records: fc.nat(),
    }), { maxLength: 3 }),
  }, { requiredKeys: [] }),
  custom: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), json, { maxKeys: 4 }),
}, { requiredKeys: ['adapter_id', 'base_model'] });

describe('round trip (property)', () => {
  it('write then read yields the same object', async () => {
    const path = join(dir, 'prop_adapter_metadata.json');
    await fc.assert(fc.asyncProperty(metadata, async (meta) => {
      const written = await writeAdapterMetadata(path, meta as AdapterMetadataInput);
      const { metadata: read, warnings } = await readAdapterMetadata(path);
      expect(read).toEqual(written);
      expect(warnings).toEqual([]);
    }), { numRuns: 150 });
  });
});

describe('legacy detection', () => {
  it('leaves "4.500000" in custom alone in a file written in the current shape', async () => {
    const path = join(dir, 'current_shape.json');
    await writeAdapterMetadata(path, { adapter_id: 'a1', base_model: { name: 'gpt2' }, custom: { threshold: '4.500000' } });
    const { metadata, warnings } = await readAdapterMetadata(path);
    expect(metadata.custom).toEqual({ threshold: '4.500000' });
    expect(warnings).toEqual([]);
  });
});
