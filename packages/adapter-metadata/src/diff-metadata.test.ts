import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdapterMetadata, AdapterMetadataInput } from './adapter-metadata-schema.js';
import { diffMetadata } from './diff-metadata.js';
import { nextVersion } from './next-version.js';
import { parseAdapterMetadata } from './parse-adapter-metadata.js';

const base = parseAdapterMetadata(JSON.parse(readFileSync(new URL('../test/fixtures/adapter_metadata.json', import.meta.url), 'utf8')) as AdapterMetadataInput);

function changed(patch: (m: AdapterMetadata) => void): AdapterMetadata {
  const copy = structuredClone(base);
  patch(copy);
  return copy;
}

describe('nextVersion', () => {
  it('bumps PATCH for a fix, MINOR for new data, MAJOR for a new base model', () => {
    expect(nextVersion(base, 'fix')).toBe('1.2.1');
    expect(nextVersion(base, 'data')).toBe('1.3.0');
    expect(nextVersion(base, 'base_model')).toBe('2.0.0');
  });

  it('refuses a version that is not semver', () => {
    expect(() => nextVersion({ adapter_version: 'v1' }, 'fix')).toThrow(expect.objectContaining({ code: 'METADATA_VERSION_INVALID' }));
  });

  it('names the changes it knows when given another (before: it blamed the version)', () => {
    expect(() => nextVersion(base, 'major' as 'fix')).toThrow('change "major" is not one of "fix", "data", "base_model"');
  });
});

describe('diffMetadata', () => {
  it('finds nothing between equal metadata', () => {
    expect(diffMetadata(base, structuredClone(base))).toEqual({ changes: [], bump: 'none' });
  });

  it('implies MAJOR for a new base model', () => {
    const diff = diffMetadata(base, changed((m) => { m.base_model.name = 'mistralai/Mistral-7B-v0.3'; }));
    expect(diff).toEqual({ bump: 'major', changes: [{ path: '/base_model/name', before: 'mistralai/Mistral-7B-v0.1', after: 'mistralai/Mistral-7B-v0.3', bump: 'major' }] });
  });

  it('implies MINOR for new data, reporting the dataset list as one change', () => {
    const diff = diffMetadata(base, changed((m) => {
      m.provenance.datasets.push({ path: 'out/more.jsonl', sha256: 'a'.repeat(64), bytes: 10, records: 1 });
      m.training.num_samples = 12001;
    }));
    expect(diff.bump).toBe('minor');
    expect(diff.changes.map((c) => `${c.path} ${c.bump}`)).toEqual(['/training/num_samples minor', '/provenance/datasets minor']);
  });

  it('implies PATCH for hyper-parameters and docs, nothing for bookkeeping', () => {
    expect(diffMetadata(base, changed((m) => { m.training.lora_dropout = 0.1; })).bump).toBe('patch');
    expect(diffMetadata(base, changed((m) => { m.custom['note'] = 'x'; })).changes).toEqual([
      { path: '/custom/note', before: undefined, after: 'x', bump: 'patch' },
    ]);
    const bookkeeping = diffMetadata(base, changed((m) => {
      m.adapter_version = '1.2.1';
      m.created_at = '2025-04-01T00:00:00Z';
      m.provenance.tool = { name: 'lorakit', version: '0.2.0' };
    }));
    expect(bookkeeping.bump).toBe('none');
    expect(bookkeeping.changes.map((c) => c.path)).toEqual(['/adapter_version', '/created_at', '/provenance/tool']);
  });
});
