import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { createDirectoryLookup } from './create-directory-lookup.js';
import { parseAdapterMetadata } from './parse-adapter-metadata.js';
import { resolveLineage, type AdapterLookup } from './resolve-lineage.js';
import { writeAdapterMetadata } from './write-adapter-metadata.js';

function meta(id: string, parent?: string, version = '1.0.0', parentVersion?: string): AdapterMetadata {
  return parseAdapterMetadata({
    adapter_id: id, adapter_version: version, base_model: { name: 'gpt2' },
    provenance: {
      ...(parent === undefined ? {} : { parent_adapter_id: parent }),
      ...(parentVersion === undefined ? {} : { parent_adapter_version: parentVersion }),
    },
  });
}

function mapLookup(items: AdapterMetadata[]): AdapterLookup {
  return (id, version) => items.find((m) => m.adapter_id === id && (version === undefined || m.adapter_version === version));
}

describe('resolveLineage', () => {
  it('returns the chain from the adapter to its root', async () => {
    const chain = await resolveLineage('c', mapLookup([meta('a'), meta('b', 'a'), meta('c', 'b')]));
    expect(chain.map((m) => m.adapter_id)).toEqual(['c', 'b', 'a']);
  });

  it('follows parent_adapter_version to the exact parent release', async () => {
    const items = [meta('a', undefined, '2.0.0'), meta('a', undefined, '1.0.0'), meta('b', 'a', '1.0.0', '1.0.0')];
    const chain = await resolveLineage('b', mapLookup(items));
    expect(chain.map((m) => `${m.adapter_id}@${m.adapter_version}`)).toEqual(['b@1.0.0', 'a@1.0.0']);
  });

  it('detects a cycle and names it', async () => {
    const error = await resolveLineage('a', mapLookup([meta('a', 'c'), meta('b', 'a'), meta('c', 'b')])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'METADATA_LINEAGE_CYCLE', message: 'lineage cycle: a@1.0.0 <- c@1.0.0 <- b@1.0.0 <- a@1.0.0' });
  });

  it('reports a missing parent with the chain so far, and an unknown adapter', async () => {
    await expect(resolveLineage('b', mapLookup([meta('b', 'ghost')]))).rejects.toMatchObject({
      code: 'METADATA_PARENT_NOT_FOUND', message: expect.stringContaining('names parent ghost, which was not found'),
    });
    await expect(resolveLineage('nobody', mapLookup([]))).rejects.toMatchObject({ code: 'METADATA_ADAPTER_NOT_FOUND' });
  });

  it('works with an async lookup (a registry)', async () => {
    const items = [meta('a'), meta('b', 'a')];
    const chain = await resolveLineage('b', async (id) => Promise.resolve(items.find((m) => m.adapter_id === id)));
    expect(chain).toHaveLength(2);
  });
});

describe('createDirectoryLookup', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lorakit-lineage-'));
    await writeAdapterMetadata(join(dir, 'base.json'), meta('base'));
    await writeAdapterMetadata(join(dir, 'base-2.json'), meta('base', undefined, '2.0.0'));
    await mkdir(join(dir, 'child'));
    await writeAdapterMetadata(join(dir, 'child', 'adapter_metadata.json'), meta('child', 'base', '1.0.0', '1.0.0'));
    await writeFile(join(dir, 'child', 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 8 }));
    await writeFile(join(dir, 'notes.json'), '{"not": "metadata"}');
    await mkdir(join(dir, 'empty-folder'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds metadata files and adapter folders, the latest version by default', async () => {
    const lookup = createDirectoryLookup(dir);
    expect((await lookup('base'))?.adapter_version).toBe('2.0.0');
    expect((await lookup('base', '1.0.0'))?.adapter_version).toBe('1.0.0');
    expect(await lookup('base', '3.0.0')).toBeUndefined();
    const chain = await resolveLineage('child', lookup);
    expect(chain.map((m) => `${m.adapter_id}@${m.adapter_version}`)).toEqual(['child@1.0.0', 'base@1.0.0']);
  });

  it('reads a parent file that starts with a UTF-8 BOM', async () => {
    const reg = await mkdtemp(join(tmpdir(), 'lorakit-lineage-bom-'));
    const bom = (m: AdapterMetadata) => `\ufeff${JSON.stringify(m)}`;
    await writeFile(join(reg, 'parent.json'), bom(meta('parent', 'grandparent')));
    await mkdir(join(reg, 'grandparent'));
    await writeFile(join(reg, 'grandparent', 'adapter_metadata.json'), bom(meta('grandparent')));
    await writeAdapterMetadata(join(reg, 'child.json'), meta('child', 'parent'));
    const chain = await resolveLineage('child', createDirectoryLookup(reg));
    expect(chain.map((m) => `${m.adapter_id}@${m.adapter_version}`)).toEqual(['child@1.0.0', 'parent@1.0.0', 'grandparent@1.0.0']);
    await rm(reg, { recursive: true, force: true });
  });

  it('refuses a broken JSON file that may be the parent, naming the file and line, instead of hiding it', async () => {
    const broken = '{\n  "adapter_id": "parent",\n  "adapter_version": "1.0.0",,\n  "base_model": {"name": "gpt2"}\n}\n';
    for (const name of ['parent.json', join('parent', 'adapter_metadata.json')]) {
      const reg = await mkdtemp(join(tmpdir(), 'lorakit-lineage-broken-'));
      await writeAdapterMetadata(join(reg, 'child.json'), meta('child', 'parent'));
      await mkdir(join(reg, 'parent'));
      await writeFile(join(reg, name), broken);
      const error = await resolveLineage('child', createDirectoryLookup(reg)).catch((e: unknown) => e);
      expect(error, name).toMatchObject({ code: 'METADATA_JSON_PARSE', file: join(reg, name), issues: [{ line: 3 }] });
      expect((error as Error).message).toContain(`${join(reg, name)}:3: not valid JSON`);
      await rm(reg, { recursive: true, force: true });
    }
  });

  it('searches adapter_metadata.json in nested folders, not in hidden folders, node_modules or past 8 levels', async () => {
    const reg = await mkdtemp(join(tmpdir(), 'lorakit-lineage-deep-'));
    const put = async (folder: string, m: AdapterMetadata) => {
      await mkdir(join(reg, folder), { recursive: true });
      await writeAdapterMetadata(join(reg, folder, 'adapter_metadata.json'), m);
    };
    await put('base/1.0.0', meta('base'));
    await put('base/2.0.0', meta('base', undefined, '2.0.0'));
    await put('.git/x', meta('hidden'));
    await put('node_modules/x', meta('vendored'));
    await put('1/2/3/4/5/6/7/8', meta('deepest'));
    await put('1/2/3/4/5/6/7/8/9', meta('too-deep'));
    // Only files directly in the folder are read as metadata by their content: nested other JSON is never opened.
    await writeFile(join(reg, 'base', 'notes.json'), 'not json');
    const lookup = createDirectoryLookup(reg);
    expect((await lookup('base'))?.adapter_version).toBe('2.0.0');
    expect((await lookup('base', '1.0.0'))?.adapter_version).toBe('1.0.0');
    expect(await lookup('deepest')).toBeDefined();
    expect(await lookup('too-deep')).toBeUndefined();
    expect(await lookup('hidden')).toBeUndefined();
    expect(await lookup('vendored')).toBeUndefined();
    await rm(reg, { recursive: true, force: true });
  });

  it('refuses an invalid metadata file instead of hiding it', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'lorakit-lineage-bad-'));
    await writeFile(join(bad, 'x.json'), JSON.stringify({ adapter_id: 'x', base_model: { name: 'gpt2' }, training: { lora_rank: 0 } }));
    await expect(createDirectoryLookup(bad)('x')).rejects.toMatchObject({ code: 'METADATA_INVALID' });
    await rm(bad, { recursive: true, force: true });
  });
});
