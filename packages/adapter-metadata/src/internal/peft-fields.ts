// Every LoraConfig key PEFT writes to adapter_config.json, with the PEFT release that introduced it and the
// value PEFT writes when the user left it unset. The `since` versions come from the key sets of configs saved by
// each release (see ../../../../shared/datasets/SOURCES.md); PEFT < 0.14 raises on keys it does not know, so
// toPeftConfig drops keys newer than the target release. Where the saved files cannot tell two releases apart
// (keys after 0.14), the earlier one is listed: PEFT >= 0.14 only warns about a key it does not know, whereas a
// too-late `since` would make toPeftConfig refuse a value the release supports.
import type { JsonValue } from './json.js';

export interface PeftField {
  readonly since: string;
  readonly default: JsonValue;
}

export const PEFT_LORA_FIELDS = {
  alora_invocation_tokens: { since: '0.17.0', default: null },
  alpha_pattern: { since: '0.6.0', default: {} },
  arrow_config: { since: '0.17.0', default: null },
  auto_mapping: { since: '0.5.0', default: null },
  base_model_name_or_path: { since: '0.1.0', default: null },
  bias: { since: '0.1.0', default: 'none' },
  corda_config: { since: '0.15.0', default: null },
  ensure_weight_tying: { since: '0.18.0', default: false },
  eva_config: { since: '0.14.0', default: null },
  exclude_modules: { since: '0.14.0', default: null },
  fan_in_fan_out: { since: '0.1.0', default: false },
  inference_mode: { since: '0.1.0', default: true },
  init_lora_weights: { since: '0.3.0', default: true },
  layer_replication: { since: '0.10.0', default: null },
  layers_pattern: { since: '0.4.0', default: null },
  layers_to_transform: { since: '0.4.0', default: null },
  loftq_config: { since: '0.7.0', default: {} },
  lora_alpha: { since: '0.1.0', default: 8 },
  lora_bias: { since: '0.14.0', default: false },
  lora_dropout: { since: '0.1.0', default: 0 },
  lora_ga_config: { since: '0.19.0', default: null },
  megatron_config: { since: '0.7.0', default: null },
  megatron_core: { since: '0.7.0', default: 'megatron.core' },
  modules_to_save: { since: '0.1.0', default: null },
  monteclora_config: { since: '0.20.0', default: null },
  peft_type: { since: '0.1.0', default: 'LORA' },
  peft_version: { since: '0.18.0', default: null },
  qalora_group_size: { since: '0.16.0', default: 16 },
  r: { since: '0.1.0', default: 8 },
  rank_pattern: { since: '0.6.0', default: {} },
  revision: { since: '0.4.0', default: null },
  target_modules: { since: '0.1.0', default: null },
  target_parameters: { since: '0.17.0', default: null },
  task_type: { since: '0.1.0', default: null },
  trainable_token_indices: { since: '0.15.0', default: null },
  use_bdlora: { since: '0.19.0', default: null },
  use_dora: { since: '0.9.0', default: false },
  use_qalora: { since: '0.16.0', default: false },
  use_rslora: { since: '0.7.0', default: false },
  velora_config: { since: '0.20.0', default: null },
} as const satisfies Record<string, PeftField>;

export type PeftLoraKey = keyof typeof PEFT_LORA_FIELDS;

/** The newest PEFT release whose LoraConfig keys are all listed above. */
export const LATEST_PEFT_VERSION = '0.20.0';

/** PEFT from this release on ignores unknown keys with a warning instead of raising. */
export const PEFT_TOLERATES_UNKNOWN_KEYS = '0.14.0';

/** Keys written by PEFT 0.2/0.3 that later releases reject; read and dropped. */
export const LEGACY_PEFT_KEYS = ['enable_lora', 'merge_weights'] as const;

export function isPeftLoraKey(key: string): key is PeftLoraKey {
  return Object.hasOwn(PEFT_LORA_FIELDS, key);
}

/**
 * What toPeftConfig writes for a key the metadata leaves unset: PEFT's defaults, except that an exported
 * adapter is for inference of a causal language model.
 */
export const WRITE_DEFAULTS: Readonly<Record<string, JsonValue>> = {
  ...Object.fromEntries(Object.entries(PEFT_LORA_FIELDS).map(([key, field]) => [key, field.default])),
  task_type: 'CAUSAL_LM',
  inference_mode: true,
};
