import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../../tools/test-env.mjs';
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

  it('peft: refuses metadata without the LoRA hyper-parameters, naming them, instead of writing defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-peft-'));
    const bare = JSON.parse(readFileSync(join(cwd, meta), 'utf8')) as Record<string, unknown>;
    delete bare['training'];
    writeFileSync(join(dir, 'adapter_metadata.json'), JSON.stringify(bare));
    const r = await runCli(['adapter', 'peft', 'adapter_metadata.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('adapter_metadata.json has no training.lora_rank, training.lora_alpha, training.lora_dropout');
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

  it('bump --write changes only adapter_version: no defaults added, keys kept in the user\'s order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-bump-'));
    const file = join(dir, 'adapter_metadata.json');
    // Hand-written: no lora_alpha or lora_dropout, so `adapter peft` must keep refusing after the bump.
    const hand = { base_model: { name: 'org/base' }, adapter_id: 'hand', adapter_version: '1.0.0', notes: 'mine',
      training: { target_modules: ['q_proj', 'v_proj'], lora_rank: 32 } };
    // Its layout and numbers are kept to the byte: a BOM, CRLF, 4-space indent, 0.10, 1e-4, an integer beyond 2^53.
    const text = `\uFEFF${JSON.stringify(hand, null, 4).replaceAll('\n', '\r\n').replace('"lora_rank": 32', '"lora_rank": 32, "lr": 1e-4, "dropout": 0.10').replace('"notes": "mine"', '"notes": "mine", "run": 12345678901234567890')}`;
    writeFileSync(file, text);
    const r = await runCli(['adapter', 'bump', 'adapter_metadata.json', '--change', 'fix', '--write'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text.replace('"adapter_version": "1.0.0"', '"adapter_version": "1.0.1"'));
    const peft = await runCli(['adapter', 'peft', 'adapter_metadata.json'], { cwd: dir });
    expect(peft.code).toBe(2);
    expect(peft.stderr).toContain('has no training.lora_alpha, training.lora_dropout');

    // A file without adapter_version (1.0.0 by default) gets it after adapter_id.
    writeFileSync(file, JSON.stringify({ adapter_id: 'hand', base_model: { name: 'org/base' } }));
    expect((await runCli(['adapter', 'bump', 'adapter_metadata.json', '--change', 'data', '--write'], { cwd: dir })).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toStrictEqual({ adapter_id: 'hand', adapter_version: '1.1.0', base_model: { name: 'org/base' } });
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toEqual(['adapter_id', 'adapter_version', 'base_model']);
    // ... unless writing it as JSON would change a number: then it is left to the user.
    const big = '{"adapter_id":"hand","base_model":{"name":"org/base"},"run":12345678901234567890}';
    writeFileSync(file, big);
    const refused = await runCli(['adapter', 'bump', 'adapter_metadata.json', '--change', 'data', '--write'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot set adapter_version without changing numbers JSON cannot keep exactly');
    expect(readFileSync(file, 'utf8')).toBe(big);
  });

  it('check: an adapter without weights is unservable: exit 1 with the reason', async () => {
    const r = await runCli(['adapter', 'check', 'adapters/legal-v1'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout.toLowerCase()).toContain('weights');
  });

  it('validate, peft, card: a PEFT adapter_config.json is a usage error naming the command that converts it', async () => {
    for (const command of ['validate', 'peft', 'card']) {
      const r = await runCli(['adapter', command, 'adapters/legal-v1/adapter_config.json'], { cwd });
      expect(r.code, command).toBe(2);
      expect(r.stderr).toContain('adapters/legal-v1/adapter_config.json: this is a PEFT adapter_config.json, not lorakit adapter metadata');
      expect(r.stderr).toContain('lorakit adapter from-peft adapters/legal-v1/adapter_config.json --id <adapter-id>');
      expect(r.stdout).toBe('');
    }
  });

  it('from-peft: adapter metadata from a PEFT config, written where asked, never over the PEFT file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-from-peft-'));
    copyFileSync(join(cwd, 'adapters/legal-v1/adapter_config.json'), join(dir, 'adapter_config.json'));
    const r = await runCli(['adapter', 'from-peft', 'adapter_config.json', '--id', 'legal-qa', '-o', 'adapter_metadata.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'adapter_metadata.json'), 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({
      adapter_id: 'legal-qa', adapter_version: '1.0.0', base_model: { name: 'Qwen/Qwen2.5-7B-Instruct' },
      training: { lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj'] },
    });
    expect((await runCli(['adapter', 'validate', 'adapter_metadata.json'], { cwd: dir })).code).toBe(0);
    const again = await runCli(['adapter', 'from-peft', 'adapter_config.json', '--id', 'legal-qa', '-o', 'adapter_metadata.json'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    const over = await runCli(['adapter', 'from-peft', 'adapter_config.json', '--id', 'legal-qa', '-o', 'adapter_config.json', '--force'], { cwd: dir });
    expect(over.code).toBe(2);
    expect(JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'))).toHaveProperty('peft_type', 'LORA');
  });

  it('from-peft: a config naming no base model needs --base-model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-from-peft-'));
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 8, target_modules: ['q_proj'] }));
    const r = await runCli(['adapter', 'from-peft', 'adapter_config.json', '--id', 'x'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --base-model');
    const ok = await runCli(['adapter', 'from-peft', 'adapter_config.json', '--id', 'x', '--base-model', 'Qwen/Qwen2.5-7B'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ base_model: { name: 'Qwen/Qwen2.5-7B' } });
    // A local path is a base model, only not a Hub id (before: "names no base model"); it stays the serving name.
    writeFileSync(join(dir, 'local.json'), JSON.stringify({ peft_type: 'LORA', r: 8, target_modules: ['q_proj'], base_model_name_or_path: '/models/vicuna-7b' }));
    const local = await runCli(['adapter', 'from-peft', 'local.json', '--id', 'x'], { cwd: dir });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('local.json names its base model by a local path (/models/vicuna-7b), not a Hub id; pass --base-model <hub-id>');
    const named = await runCli(['adapter', 'from-peft', 'local.json', '--id', 'x', '--base-model', 'lmsys/vicuna-7b-v1.3'], { cwd: dir });
    expect(JSON.parse(named.stdout)).toMatchObject({ base_model: { name: 'lmsys/vicuna-7b-v1.3', serving_name: '/models/vicuna-7b' } });
  });

  const peftConfigs = sharedPath('datasets/peft-configs');
  it.skipIf(peftConfigs === undefined)('real PEFT configs: validate points to from-peft; check reads the base model from adapter_config.json', async () => {
    const file = join(peftConfigs ?? '', 'HRF001__gemma-text-to-sql__adapter_config.json');
    const validate = await runCli(['adapter', 'validate', file], { cwd });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('lorakit adapter from-peft');
    const converted = await runCli(['adapter', 'from-peft', file, '--id', 'sql-helper'], { cwd });
    expect(converted.code, converted.stderr).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({ base_model: { name: 'google/gemma-3-1b-it' }, training: { lora_rank: 8 } });

    const dir = mkdtempSync(join(tmpdir(), 'lorakit-check-peft-'));
    copyFileSync(file, join(dir, 'adapter_config.json'));
    const check = await runCli(['adapter', 'check', dir, '--json'], { cwd });
    expect(check.stderr).toBe('');
    const report = JSON.parse(check.stdout) as { architecture?: string; problems: { code: string }[] };
    expect(report.architecture).toBe('Gemma3ForCausalLM');
    expect(report.problems.map((p) => p.code)).toContain('weights_missing');
    expect(report.problems.map((p) => p.code)).not.toContain('unknown_architecture');
    expect(existsSync(join(dir, 'adapter_metadata.json'))).toBe(false);
  });

  it('check: without adapter_metadata.json or a base model anywhere, names what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-check-'));
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 8 }));
    const r = await runCli(['adapter', 'check', dir], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('base_model_name_or_path');
  });

  it('a missing metadata file is exit 2', async () => {
    const r = await runCli(['adapter', 'validate', 'nope.json'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lorakit: nope.json: no such file\n');
  });
});
