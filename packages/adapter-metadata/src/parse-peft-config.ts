import { lintBaseModel } from './internal/base-model-lint.js';
import type { Issue } from './internal/issue.js';
import { isPlainObject, truthy } from './internal/json.js';
import { jsonErrorLine } from './internal/json-lines.js';
import { lintModuleNames } from './internal/module-lint.js';
import { isPeftLoraKey, LEGACY_PEFT_KEYS } from './internal/peft-fields.js';
import { fromZodIssues } from './internal/zod-issues.js';
import { PeftLoraConfigSchema, type PeftLoraConfig } from './peft-lora-config.js';

/** Result of {@link parsePeftConfig}: the typed config with warnings, or why it was refused. */
export type ParsePeftConfigResult =
  | { success: true; data: PeftLoraConfig; warnings: Issue[] }
  | { success: false; issues: Issue[] };

// Decoder-only MLP names: a SEQ_2_SEQ_LM task type next to them means the model is loaded with the wrong class.
const DECODER_ONLY_MODULES = new Set(['gate_proj', 'up_proj', 'down_proj', 'gate_up_proj']);

function refuse(code: string, path: string, message: string): ParsePeftConfigResult {
  return { success: false, issues: [{ code, path, message }] };
}

function describeForeign(json: Record<string, unknown>): string {
  if ('fine_tune_type' in json || 'lora_parameters' in json) {
    return 'it looks like an mlx-lm adapter config (fine_tune_type, lora_parameters), which vLLM and PEFT cannot load';
  }
  return 'it is not a PEFT adapter config';
}

/** PEFT's TaskType values (peft/utils/peft_types.py); LoraConfig refuses any other ("Invalid task type"). */
const TASK_TYPES = ['SEQ_CLS', 'SEQ_2_SEQ_LM', 'CAUSAL_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION'];

/** The checks of PEFT's `LoraConfig.__post_init__` that refuse a config (peft/tuners/lora/config.py). */
function consistencyIssues(config: PeftLoraConfig): Issue[] {
  const issues: Issue[] = [];
  if (typeof config.task_type === 'string' && !TASK_TYPES.includes(config.task_type)) {
    issues.push({ code: 'invalid_value', path: '/task_type',
      message: `task_type "${config.task_type}" is not one of PEFT's task types (${TASK_TYPES.join(', ')}) or null; PEFT refuses it` });
  }
  const regex = typeof config.target_modules === 'string';
  const hasLayers = config.layers_to_transform !== null && config.layers_to_transform !== undefined;
  const pattern = config.layers_pattern;
  const hasPattern = pattern !== null && pattern !== undefined && pattern.length > 0;
  if (regex && hasLayers) {
    issues.push({ code: 'conflict', path: '/layers_to_transform',
      message: 'layers_to_transform cannot be used when target_modules is a regex string; put the layer numbers in the regex or list module names' });
  }
  if (regex && hasPattern) {
    issues.push({ code: 'conflict', path: '/layers_pattern',
      message: 'layers_pattern cannot be used when target_modules is a regex string; remove layers_pattern' });
  }
  // PEFT tests truth here: layers_to_transform 0 or [] counts as unset.
  if (hasPattern && !truthy(config.layers_to_transform)) {
    issues.push({ code: 'conflict', path: '/layers_pattern',
      message: 'layers_pattern only applies together with layers_to_transform; set layers_to_transform or remove layers_pattern' });
  }
  if (config.use_dora === true && truthy(config.megatron_config)) {
    issues.push({ code: 'conflict', path: '/use_dora',
      message: 'DoRA does not support megatron_config; set use_dora to false or remove megatron_config' });
  }
  if (config.use_dora === true && config.lora_bias === true) {
    issues.push({ code: 'conflict', path: '/use_dora',
      message: 'DoRA does not support lora_bias; set one of use_dora / lora_bias to false' });
  }
  if (config.lora_bias === true && typeof config.init_lora_weights === 'string') {
    issues.push({ code: 'conflict', path: '/lora_bias',
      message: `lora_bias is only supported with init_lora_weights true or false, not "${config.init_lora_weights}"` });
  }
  if (config.init_lora_weights === 'loftq' && !truthy(config.loftq_config)) {
    issues.push({ code: 'conflict', path: '/loftq_config',
      message: 'init_lora_weights "loftq" needs a loftq_config (e.g. { "loftq_bits": 4, "loftq_iter": 1 })' });
  }
  return issues;
}

function warningsFor(config: PeftLoraConfig, raw: Record<string, unknown>): Issue[] {
  const warnings: Issue[] = [];
  for (const key of LEGACY_PEFT_KEYS) {
    if (key in raw) {
      warnings.push({ code: 'legacy_key', path: `/${key}`,
        message: `"${key}" is a PEFT 0.2/0.3 key that later releases reject; it is dropped` });
    }
  }
  for (const key of Object.keys(config)) {
    if (!isPeftLoraKey(key)) {
      warnings.push({ code: 'unknown_key', path: `/${key}`,
        message: `"${key}" is not a LoraConfig key known to this library (PEFT <= 0.20); it is kept as is` });
    }
  }
  if (Array.isArray(config.target_modules)) {
    warnings.push(...lintModuleNames(config.target_modules, '/target_modules'));
  }
  if (Array.isArray(config.modules_to_save)) {
    warnings.push(...lintModuleNames(config.modules_to_save, '/modules_to_save'));
  }
  warnings.push(...lintBaseModel(config.base_model_name_or_path, '/base_model_name_or_path'));
  if (config.task_type === 'SEQ_2_SEQ_LM' && Array.isArray(config.target_modules)
    && config.target_modules.some((name) => DECODER_ONLY_MODULES.has(name.slice(name.lastIndexOf('.') + 1)))) {
    warnings.push({ code: 'suspicious_task_type', path: '/task_type',
      message: 'task_type is SEQ_2_SEQ_LM but target_modules name decoder-only MLP layers (gate_proj/up_proj/down_proj); a causal model needs CAUSAL_LM' });
  }
  return warnings;
}

/** Options of {@link parsePeftConfig}. */
export interface ParsePeftConfigOptions {
  /**
   * What to do with settings PEFT's `LoraConfig` refuses on loading (an unknown `task_type`, loftq without its config,
   * ...): `refuse` them, or `warn` and return the config, for readers that do not load it with PEFT (vLLM reads only
   * the keys it knows and checks none of these).
   * @default 'refuse'
   */
  peftChecks?: 'refuse' | 'warn';
}

/**
 * Reads a LoRA `adapter_config.json` (parsed JSON or its text) into a typed view, with warnings for real-world
 * defects (duplicated, glued or placeholder module names, local or quantised base models, legacy and unknown
 * keys). Non-LoRA PEFT configs, foreign files and configs PEFT itself would reject are refused with issues.
 *
 * @example
 * ```ts
 * const result = parsePeftConfig(JSON.parse(await readFile('adapter/adapter_config.json', 'utf8')));
 * if (!result.success) throw new Error(result.issues.map((i) => i.message).join('\n'));
 * console.log(result.data.r, result.data.target_modules, result.warnings);
 * ```
 */
export function parsePeftConfig(json: unknown, options: ParsePeftConfigOptions = {}): ParsePeftConfigResult {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      const line = jsonErrorLine(json, error as Error);
      const result = refuse('parse', '', `not valid JSON${line === undefined ? '' : ` (line ${line})`}: ${(error as Error).message}`);
      if (line !== undefined && !result.success) (result.issues[0] as Issue).line = line;
      return result;
    }
  }
  if (!isPlainObject(value)) {
    return refuse('invalid_type', '', 'an adapter_config.json must hold a JSON object');
  }
  const peftType = value['peft_type'];
  if (peftType === undefined) {
    return refuse('missing_peft_type', '/peft_type', `no "peft_type" key: ${describeForeign(value)}`);
  }
  if (peftType !== 'LORA') {
    return refuse('not_lora', '/peft_type',
      `peft_type is ${JSON.stringify(peftType)}, not "LORA": only LoRA adapters are supported (vLLM serves LoRA adapters only)`);
  }
  const withoutLegacy: Record<string, unknown> = { ...value };
  for (const key of LEGACY_PEFT_KEYS) delete withoutLegacy[key];

  const parsed = PeftLoraConfigSchema.safeParse(withoutLegacy);
  if (!parsed.success) {
    return { success: false, issues: fromZodIssues(parsed.error.issues, withoutLegacy) };
  }
  const conflicts = consistencyIssues(parsed.data);
  if (conflicts.length > 0 && options.peftChecks !== 'warn') return { success: false, issues: conflicts };
  return { success: true, data: parsed.data, warnings: [...conflicts, ...warningsFor(parsed.data, value)] };
}
