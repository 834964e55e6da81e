import { z } from 'zod';

const moduleList = z.array(z.string());
const jsonObject = z.record(z.string(), z.json());

/**
 * A LoRA `adapter_config.json` as PEFT (0.2 to 0.20) writes it. Every key is optional because older releases
 * wrote fewer keys; keys this schema does not know are kept (PEFT adds keys in most releases).
 */
export const PeftLoraConfigSchema = z.looseObject({
  peft_type: z.literal('LORA').describe('Always "LORA" for a LoRA adapter.'),
  task_type: z.string().nullable().optional().describe('CAUSAL_LM, SEQ_2_SEQ_LM, SEQ_CLS, TOKEN_CLS, ... or null.'),
  base_model_name_or_path: z.string().nullable().optional()
    .describe('The base model; vLLM requires it to equal the served model string.'),
  revision: z.string().nullable().optional(),
  inference_mode: z.boolean().optional(),
  auto_mapping: jsonObject.nullable().optional(),
  peft_version: z.string().nullable().optional(),
  r: z.number().int().positive('r (the LoRA rank) must be a positive integer').optional(),
  lora_alpha: z.number().positive('lora_alpha must be > 0').optional(),
  lora_dropout: z.number().min(0, 'lora_dropout must be in [0, 1)').lt(1, 'lora_dropout must be in [0, 1)').optional(),
  target_modules: z.union([moduleList, z.string()]).nullable().optional()
    .describe('Module names, or one regex string matched against full module paths; null = the model default.'),
  exclude_modules: z.union([moduleList, z.string()]).nullable().optional(),
  fan_in_fan_out: z.boolean().optional(),
  bias: z.enum(['none', 'all', 'lora_only']).optional(),
  use_rslora: z.boolean().optional(),
  modules_to_save: moduleList.nullable().optional(),
  init_lora_weights: z.union([z.boolean(), z.string()]).optional(),
  layers_to_transform: z.union([z.number().int(), z.array(z.number().int())]).nullable().optional(),
  layers_pattern: z.union([z.string(), moduleList]).nullable().optional(),
  rank_pattern: z.record(z.string(), z.number().int().positive()).nullable().optional(),
  alpha_pattern: z.record(z.string(), z.number().positive()).nullable().optional(),
  megatron_config: jsonObject.nullable().optional(),
  megatron_core: z.string().nullable().optional(),
  trainable_token_indices: z.union([z.array(z.number().int()), z.record(z.string(), z.array(z.number().int()))])
    .nullable().optional(),
  loftq_config: jsonObject.nullable().optional(),
  eva_config: jsonObject.nullable().optional(),
  corda_config: jsonObject.nullable().optional(),
  use_dora: z.boolean().optional(),
  alora_invocation_tokens: z.array(z.number().int()).nullable().optional(),
  use_qalora: z.boolean().optional(),
  qalora_group_size: z.number().int().positive().optional(),
  layer_replication: z.array(z.tuple([z.number().int(), z.number().int()])).nullable().optional(),
  lora_bias: z.boolean().optional(),
  target_parameters: moduleList.nullable().optional(),
  arrow_config: jsonObject.nullable().optional(),
  ensure_weight_tying: z.boolean().optional(),
  lora_ga_config: jsonObject.nullable().optional(),
  use_bdlora: z.json().optional(),
  monteclora_config: jsonObject.nullable().optional(),
  velora_config: jsonObject.nullable().optional(),
});

/** A typed LoRA `adapter_config.json`; unknown keys are kept as `unknown`. */
export type PeftLoraConfig = z.infer<typeof PeftLoraConfigSchema>;
