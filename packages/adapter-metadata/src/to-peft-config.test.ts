import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdapterMetadataInput } from './adapter-metadata-schema.js';
import { fromPeftConfig } from './from-peft-config.js';
import { parseAdapterMetadata } from './parse-adapter-metadata.js';
import { toPeftConfig } from './to-peft-config.js';

const meta = parseAdapterMetadata(JSON.parse(readFileSync(new URL('../test/fixtures/adapter_metadata.json', import.meta.url), 'utf8')) as AdapterMetadataInput);

describe('toPeftConfig', () => {
  it('maps the metadata onto adapter_config.json with keys and target_modules sorted', () => {
    const config = toPeftConfig(meta);
    expect(config).toMatchObject({
      peft_type: 'LORA', task_type: 'CAUSAL_LM', inference_mode: true, base_model_name_or_path: 'mistralai/Mistral-7B-v0.1',
      revision: 'main', r: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: ['k_proj', 'o_proj', 'q_proj', 'v_proj'],
      use_rslora: false, use_dora: false, bias: 'none', modules_to_save: null, rank_pattern: {}, megatron_core: 'megatron.core',
    });
    expect(Object.keys(config)).toEqual(Object.keys(config).sort());
    expect(config).not.toHaveProperty('peft_version');
  });

  it('writes base_model_name_or_path from serving_name, the string vLLM matches against', () => {
    const config = toPeftConfig({ base_model: { name: 'meta-llama/Llama-3.1-8B', serving_name: '/models/llama-3.1-8b' } });
    expect(config.base_model_name_or_path).toBe('/models/llama-3.1-8b');
  });

  it('keeps a regex target_modules string as it is', () => {
    expect(toPeftConfig({ training: { target_modules: '.*\\.(q|v)_proj$' } }).target_modules).toBe('.*\\.(q|v)_proj$');
  });

  it('limits keys to those the target PEFT release knows', () => {
    const v05 = toPeftConfig(meta, { peftVersion: '0.5.0' });
    expect(Object.keys(v05)).toEqual([
      'auto_mapping', 'base_model_name_or_path', 'bias', 'fan_in_fan_out', 'inference_mode', 'init_lora_weights',
      'layers_pattern', 'layers_to_transform', 'lora_alpha', 'lora_dropout', 'modules_to_save', 'peft_type', 'r',
      'revision', 'target_modules', 'task_type',
    ]);
    const v013 = toPeftConfig(meta, { peftVersion: '0.13.2' });
    expect(v013).toHaveProperty('use_dora');
    expect(v013).not.toHaveProperty('lora_bias');
    expect(toPeftConfig(meta, { peftVersion: '0.18.1' })).toHaveProperty('peft_version', '0.18.1');
  });

  it('defaults to the PEFT release the metadata records, so the file does not hold keys its own peft_version lacks', () => {
    const recorded = { ...meta, training: { ...meta.training, peft: { ...meta.training?.peft, peft_version: '0.13.2' } } };
    // Before: every key of the latest release, under "peft_version": "0.13.2".
    expect(toPeftConfig(recorded)).toEqual(toPeftConfig(meta, { peftVersion: '0.13.2' }));
    expect(toPeftConfig(recorded, { peftVersion: '0.18.1' })).toHaveProperty('lora_bias');
  });

  it('drops unknown keys for PEFT < 0.14, which would raise on them, and keeps them for later releases', () => {
    const withFuture = { ...meta, training: { ...meta.training, peft: { future_option: 1 } } };
    expect(toPeftConfig(withFuture, { peftVersion: '0.13.0' })).not.toHaveProperty('future_option');
    expect(toPeftConfig(withFuture, { peftVersion: '0.14.0' })).toHaveProperty('future_option', 1);
  });

  it('refuses a field the target PEFT release cannot express', () => {
    const dora = { ...meta, training: { ...meta.training, use_dora: true } };
    expect(() => toPeftConfig(dora, { peftVersion: '0.8.2' })).toThrow(
      expect.objectContaining({ code: 'METADATA_PEFT_VERSION_UNSUPPORTED', message: expect.stringContaining('use_dora = true needs PEFT >= 0.9.0') }));
    expect(() => toPeftConfig(meta, { peftVersion: 'latest' })).toThrow(expect.objectContaining({ code: 'METADATA_PEFT_VERSION_UNSUPPORTED' }));
  });

  it('applies PEFT\'s consistency rules', () => {
    const bad = { ...meta, training: { ...meta.training, use_dora: true, peft: { lora_bias: true } } };
    expect(() => toPeftConfig(bad)).toThrow(expect.objectContaining({ code: 'METADATA_PEFT_CONFIG_INVALID', message: expect.stringContaining('DoRA does not support lora_bias') }));
    const regex = { training: { target_modules: 'q_proj$', peft: { layers_to_transform: [0, 1] } } };
    expect(() => toPeftConfig(regex)).toThrow(expect.objectContaining({ code: 'METADATA_PEFT_CONFIG_INVALID' }));
  });

  it('round-trips through fromPeftConfig into valid metadata', () => {
    const { metadata } = fromPeftConfig(toPeftConfig(meta));
    const back = parseAdapterMetadata({ ...metadata, adapter_id: meta.adapter_id, base_model: { ...meta.base_model, ...metadata.base_model } });
    expect(back.training).toMatchObject({ lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, use_dora: false });
    expect(toPeftConfig(back)).toEqual(toPeftConfig(meta));
  });

  it('honours taskType and inferenceMode options', () => {
    const config = toPeftConfig(meta, { taskType: 'SEQ_2_SEQ_LM', inferenceMode: false });
    expect(config).toMatchObject({ task_type: 'SEQ_2_SEQ_LM', inference_mode: false });
  });
});
