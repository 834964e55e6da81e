import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tools/test-env.mjs';
import semver from 'semver';
import { fromPeftConfig } from './from-peft-config.js';
import { PEFT_LORA_FIELDS, type PeftLoraKey } from './internal/peft-fields.js';
import { parsePeftConfig } from './parse-peft-config.js';
import { toPeftConfig } from './to-peft-config.js';

const dir = sharedPath('datasets/peft-configs');
const LEGACY = new Set(['enable_lora', 'merge_weights']);

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir ?? '', name), 'utf8')) as Record<string, unknown>;
}

function codes(name: string): string[] {
  const result = parsePeftConfig(load(name));
  if (!result.success) throw new Error(`${name} was refused`);
  return result.warnings.map((w) => `${w.code} ${w.path}`);
}

describe.skipIf(dir === undefined)('real adapter_config.json files (shared/datasets/peft-configs)', () => {
  const files = dir === undefined ? [] : readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const lora = files.filter((f) => load(f)['peft_type'] === 'LORA');

  it('finds the 30 configs, 25 of them LoRA', () => {
    expect(files).toHaveLength(30);
    expect(lora).toHaveLength(25);
  });

  it.each(lora)('%s reads without error and survives toPeftConfig(fromPeftConfig(x))', (name) => {
    const original = load(name);
    const parsed = parsePeftConfig(original);
    expect(parsed.success).toBe(true);
    const { metadata } = fromPeftConfig(original);
    const written = toPeftConfig(metadata) as Record<string, unknown>;
    for (const [key, value] of Object.entries(original)) {
      if (LEGACY.has(key)) {
        expect(written).not.toHaveProperty(key);
      } else if (key === 'target_modules' && Array.isArray(value)) {
        expect(written[key]).toEqual([...new Set(value as string[])].sort());
      } else {
        expect({ key, value: written[key] }).toEqual({ key, value });
      }
    }
    expect(Object.keys(written)).toEqual(Object.keys(written).sort());
  });

  it('says which release an old config without peft_version is for, and writes for that release only keys it knows', () => {
    let old = 0;
    for (const name of lora) {
      const original = load(name);
      const { metadata, warnings } = fromPeftConfig(original);
      const hint = warnings.find((w) => w.code === 'old_peft_release');
      if (hint === undefined) continue;
      old++;
      const release = /pass peftVersion "([\d.]+)"/.exec(hint.message)?.[1] ?? '';
      // Before: only the new key set, with keys such a release raises on ("unexpected keyword argument").
      const written = toPeftConfig(metadata, { peftVersion: release }) as Record<string, unknown>;
      const newer = Object.keys(written).filter((k) => k !== 'peft_version' && semver.gt(PEFT_LORA_FIELDS[k as PeftLoraKey].since, release));
      expect({ name, newer }).toEqual({ name, newer: [] });
      for (const key of Object.keys(original)) if (!LEGACY.has(key)) expect(written).toHaveProperty(key);
    }
    expect(old).toBeGreaterThan(3);
  });

  it.each([
    ['huggingface__peft__regression-adalora_opt-350m-0.6.1__adapter_config.json', 'ADALORA'],
    ['huggingface__peft__mt0-large-ia3-seq2seq__adapter_config.json', 'IA3'],
    ['huggingface__peft__metamathqa-osf-rank-pattern__adapter_config.json', 'OSF'],
    ['huggingface__peft__image-gen-shadow-regex__adapter_config.json', 'SHADOW'],
  ])('refuses %s, naming peft_type %s', (name, type) => {
    const result = parsePeftConfig(load(name));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toEqual([expect.objectContaining({ code: 'not_lora', path: '/peft_type' })]);
    expect(result.issues[0]?.message).toContain(`"${type}", not "LORA"`);
    expect(() => fromPeftConfig(load(name))).toThrow(expect.objectContaining({ code: 'METADATA_PEFT_CONFIG_INVALID' }));
  });

  it('refuses the mlx-lm file without peft_type and says what it looks like', () => {
    const result = parsePeftConfig(load('softwarewrighter__engram-poc__adapter_config.json'));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues[0]?.code).toBe('missing_peft_type');
    expect(result.issues[0]?.message).toMatch(/no "peft_type".*mlx-lm/);
  });

  it('warns about two module names glued together', () => {
    expect(codes('AntoDono__GenPlus-Translator__adapter_config.json')).toEqual(['glued_module_name /target_modules/1']);
    const result = parsePeftConfig(load('AntoDono__GenPlus-Translator__adapter_config.json'));
    expect(result.success && result.warnings[0]?.message).toContain('"v_proj" and "o_proj"');
  });

  it('warns about every duplicated module name', () => {
    const warnings = codes('CogniX-LTD__Cogni-OpenModel__adapter_config.json');
    expect(warnings.filter((w) => w.startsWith('duplicate_module'))).toEqual(
      [7, 8, 9, 10, 11, 12, 13].map((i) => `duplicate_module /target_modules/${i}`));
    expect(warnings).toContain('base_model_quantized /base_model_name_or_path');
  });

  it('warns about a placeholder module', () => {
    expect(codes('Kimiko-AI__LoRa-traingcode__adapter_config.json')).toEqual(['placeholder_module /target_modules/1']);
  });

  it('accepts legacy keys with a warning and drops them', () => {
    expect(codes('Facico__Chinese-Vicuna__adapter_config.json')).toEqual([
      'legacy_key /enable_lora', 'legacy_key /merge_weights', 'base_model_local_path /base_model_name_or_path',
    ]);
  });

  it('warns about SEQ_2_SEQ_LM on a decoder-only model and a local base path', () => {
    expect(codes('AnHuanAo__qwythos-9b-math-sft__adapter_config.json')).toEqual([
      'base_model_local_path /base_model_name_or_path', 'suspicious_task_type /task_type',
    ]);
  });

  it('keeps keys newer than this library, with a warning', () => {
    const config = { ...load('HRF001__gemma-text-to-sql__adapter_config.json'), some_future_key: { a: 1 } };
    const result = parsePeftConfig(config);
    expect(result.success && result.warnings.map((w) => w.code)).toEqual(['unknown_key']);
    expect(toPeftConfig(fromPeftConfig(config).metadata)).toHaveProperty('some_future_key', { a: 1 });
  });

  it('reads a float lora_alpha and an absent lora_dropout as PEFT does', () => {
    const phi = fromPeftConfig(load('hiyouga__LLaMA-Factory__pr2350-phi-1_5__adapter_config.json')).metadata;
    expect(phi.training.lora_alpha).toBe(32);
    const minimal = fromPeftConfig(load('huggingface__peft__rlmath-rslora-minimal__adapter_config.json')).metadata;
    expect(minimal.training).toMatchObject({ lora_rank: 32, lora_alpha: 32, lora_dropout: 0, use_rslora: true });
    expect(minimal.base_model).toEqual({ name: 'Qwen/Qwen3.5-4B', serving_name: 'Qwen/Qwen3.5-4B' });
  });
});

describe('parsePeftConfig rules', () => {
  const base = { peft_type: 'LORA', base_model_name_or_path: 'gpt2', r: 8, lora_alpha: 16, target_modules: ['q_proj'] };

  it('refuses layers_to_transform with a regex target_modules', () => {
    const result = parsePeftConfig({ ...base, target_modules: 'model\\.layers\\.\\d+\\.q_proj', layers_to_transform: [0] });
    expect(result.success ? [] : result.issues.map((i) => `${i.code} ${i.path}`)).toEqual(['conflict /layers_to_transform']);
  });

  it('refuses layers_pattern without layers_to_transform', () => {
    const result = parsePeftConfig({ ...base, layers_pattern: 'layers' });
    expect(result.success ? [] : result.issues.map((i) => `${i.code} ${i.path}`)).toEqual(['conflict /layers_pattern']);
  });

  it('refuses DoRA with megatron_config or lora_bias', () => {
    for (const extra of [{ megatron_config: { tensor_model_parallel_size: 2 } }, { lora_bias: true }]) {
      const result = parsePeftConfig({ ...base, use_dora: true, ...extra });
      expect(result.success ? [] : result.issues.map((i) => i.code)).toEqual(['conflict']);
    }
    // PEFT tests truth: an empty megatron_config is none.
    expect(parsePeftConfig({ ...base, use_dora: true, megatron_config: {} }).success).toBe(true);
  });

  it('refuses what LoraConfig.__post_init__ refuses: an unknown task_type, loftq without its config, lora_bias with a string init, layers_pattern with 0 or [] layers', () => {
    const refused = (extra: Record<string, unknown>) => {
      const result = parsePeftConfig({ ...base, ...extra });
      return result.success ? [] : result.issues.map((i) => `${i.code} ${i.path}`);
    };
    // Before: all five were written and read without a word, and PEFT raised on loading them.
    expect(refused({ task_type: 'causal_lm' })).toEqual(['invalid_value /task_type']);
    expect(refused({ init_lora_weights: 'loftq' })).toEqual(['conflict /loftq_config']);
    expect(refused({ init_lora_weights: 'loftq', loftq_config: {} })).toEqual(['conflict /loftq_config']);
    expect(refused({ lora_bias: true, init_lora_weights: 'pissa' })).toEqual(['conflict /lora_bias']);
    expect(refused({ layers_pattern: 'layers', layers_to_transform: 0 })).toEqual(['conflict /layers_pattern']);
    expect(refused({ layers_pattern: 'layers', layers_to_transform: [] })).toEqual(['conflict /layers_pattern']);
    // For readers that do not load it with PEFT, the same settings are warnings.
    const lenient = parsePeftConfig({ ...base, task_type: 'causal_lm' }, { peftChecks: 'warn' });
    expect(lenient.success ? lenient.warnings.map((w) => `${w.code} ${w.path}`) : []).toEqual(['invalid_value /task_type']);
    for (const ok of [{ task_type: 'CAUSAL_LM' }, { task_type: null }, { init_lora_weights: 'loftq', loftq_config: { loftq_bits: 4 } }, { lora_bias: true }, { layers_pattern: 'layers', layers_to_transform: [0] }]) {
      expect(refused(ok)).toEqual([]);
    }
  });

  it('reports a bad rank with its JSON pointer', () => {
    const result = parsePeftConfig({ ...base, r: 0 });
    expect(result.success ? [] : result.issues.map((i) => `${i.code} ${i.path} ${i.message}`))
      .toEqual([expect.stringMatching(/^too_small \/r .*positive integer/)]);
  });

  it('reads JSON text and reports bad JSON', () => {
    expect(parsePeftConfig(JSON.stringify(base)).success).toBe(true);
    expect(parsePeftConfig('{"peft_type": "LORA",}')).toMatchObject({ success: false, issues: [{ code: 'parse' }] });
  });

  it('lints module names without flagging real fused or one-letter names', () => {
    const result = parsePeftConfig({ ...base, target_modules: ['gate_up_proj', 'qkv_proj', 'q', 'v', 'wi_0', 'fc1fc2', '<module>', 'model.layers.0.self_attn.q_projk_proj'] });
    expect(result.success ? result.warnings.map((w) => `${w.code} ${w.path}`) : []).toEqual([
      'glued_module_name /target_modules/5', 'placeholder_module /target_modules/6', 'glued_module_name /target_modules/7',
    ]);
  });

  it('names the line of JSON it cannot parse, also where V8 gives no position (Python\'s None)', () => {
    const result = parsePeftConfig('{\n "peft_type": "LORA",\n "r": 8,\n "bias": None\n}');
    expect(result.success ? [] : result.issues).toEqual([expect.objectContaining({ code: 'parse', line: 4, message: expect.stringMatching(/^not valid JSON \(line 4\): /) })]);
  });
});
