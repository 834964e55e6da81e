import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const cwd = join(import.meta.dirname, '..', '..', 'test', 'fixtures');
const meta = 'adapters/legal-v1/adapter_metadata.json';

describe('lorakit adapter', () => {
  it('validate: valid metadata exits 0', async () => {
    const r = await runCli(['adapter', 'validate', meta], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid (legal-qa-de-en 1.0.0');
  });

  it('validate: invalid metadata exits 1 with each issue and its path', async () => {
    const r = await runCli(['adapter', 'validate', 'bad-meta.json', '--json'], { cwd });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { valid: boolean; issues: Array<{ path: string }> };
    expect(doc.valid).toBe(false);
    expect(doc.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['/adapter_id']));
  });

  it('peft: writes the PEFT adapter_config.json matching the metadata', async () => {
    const r = await runCli(['adapter', 'peft', meta], { cwd });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ peft_type: 'LORA', r: 16, lora_alpha: 32, base_model_name_or_path: 'Qwen/Qwen2.5-7B-Instruct' });
  });

  it('card: a model card with front matter naming the base model', async () => {
    const r = await runCli(['adapter', 'card', meta], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^---\n/);
    expect(r.stdout).toContain('Qwen/Qwen2.5-7B-Instruct');
  });

  it('lineage: walks parents found in a folder', async () => {
    const r = await runCli(['adapter', 'lineage', 'legal-qa-de-en-tenancy', '--dir', 'adapters', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ adapter_id: string }>).map((m) => m.adapter_id)).toEqual(['legal-qa-de-en-tenancy', 'legal-qa-de-en']);
  });

  it('bump: data is a MINOR bump; --write updates the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-bump-'));
    copyFileSync(join(cwd, meta), join(dir, 'adapter_metadata.json'));
    const r = await runCli(['adapter', 'bump', 'adapter_metadata.json', '--change', 'data', '--write'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('1.1.0');
    expect((JSON.parse(readFileSync(join(dir, 'adapter_metadata.json'), 'utf8')) as { adapter_version: string }).adapter_version).toBe('1.1.0');
  });

  it('check: an adapter without weights is unservable: exit 1 with the reason', async () => {
    const r = await runCli(['adapter', 'check', 'adapters/legal-v1'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout.toLowerCase()).toContain('weights');
  });

  it('a missing metadata file is exit 2', async () => {
    const r = await runCli(['adapter', 'validate', 'nope.json'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lorakit: nope.json: no such file\n');
  });
});
