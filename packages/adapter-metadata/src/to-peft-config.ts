import semver from 'semver';
import { AdapterMetadataError } from './errors.js';
import type { PeftMetadata } from './from-peft-config.js';
import { formatIssues } from './internal/format-issues.js';
import { jsonEqual, type JsonValue } from './internal/json.js';
import {
  isPeftLoraKey, LATEST_PEFT_VERSION, PEFT_LORA_FIELDS, PEFT_TOLERATES_UNKNOWN_KEYS, WRITE_DEFAULTS,
} from './internal/peft-fields.js';
import { parsePeftConfig } from './parse-peft-config.js';
import type { PeftLoraConfig } from './peft-lora-config.js';

/** Options of {@link toPeftConfig}. */
export interface ToPeftConfigOptions {
  /**
   * The PEFT release that will load the file: only keys it knows are written (PEFT < 0.14 raises on unknown keys).
   * @default the `peft_version` the metadata records (`training.peft.peft_version`, kept by fromPeftConfig), else
   * '0.20.0' (every key this library knows)
   */
  peftVersion?: string;
  /**
   * PEFT task type.
   * @default training.peft.task_type, else 'CAUSAL_LM'
   */
  taskType?: string | null;
  /**
   * Written as `inference_mode`.
   * @default training.peft.inference_mode, else true
   */
  inferenceMode?: boolean;
}

function targetVersion(version: string | undefined): string {
  if (version === undefined) return LATEST_PEFT_VERSION;
  const coerced = semver.coerce(version);
  if (coerced === null) {
    throw new AdapterMetadataError('METADATA_PEFT_VERSION_UNSUPPORTED',
      `peftVersion ${JSON.stringify(version)} is not a version; pass a PEFT release such as "0.13.2"`);
  }
  return coerced.version;
}

function sortedModules(modules: readonly string[]): string[] {
  return [...new Set(modules)].sort();
}

/**
 * Builds the LoRA `adapter_config.json` object PEFT and vLLM load, keys sorted as PEFT writes them and
 * `target_modules` sorted and de-duplicated so the file is reproducible. Throws `METADATA_PEFT_VERSION_UNSUPPORTED`
 * when a set field needs a newer PEFT than `options.peftVersion`, `METADATA_PEFT_CONFIG_INVALID` when the result
 * breaks PEFT's own rules (e.g. DoRA with lora_bias).
 *
 * @example
 * ```ts
 * const config = toPeftConfig(meta, { peftVersion: '0.13.2' });
 * await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2));
 * ```
 */
export function toPeftConfig(meta: PeftMetadata, options: ToPeftConfigOptions = {}): PeftLoraConfig {
  const training = meta.training ?? {};
  const base = meta.base_model ?? {};
  const extra = training.peft ?? {};
  // A config made from metadata that records its PEFT release keeps to that release's keys: with the latest key set,
  // a file saying "peft_version": "0.18.1" would hold keys 0.18.1 does not know.
  const recorded = extra['peft_version'];
  const version = targetVersion(options.peftVersion ?? (typeof recorded === 'string' && semver.coerce(recorded) !== null ? recorded : undefined));
  const out: Record<string, JsonValue> = { ...WRITE_DEFAULTS, ...extra };

  const serving = base.serving_name ?? base.name;
  if (serving !== undefined) out['base_model_name_or_path'] = serving;
  if (base.revision !== undefined) out['revision'] = base.revision;
  out['peft_type'] = 'LORA';
  out['r'] = training.lora_rank ?? 8;
  out['lora_alpha'] = training.lora_alpha ?? 16;
  out['lora_dropout'] = training.lora_dropout ?? 0.1;
  const targets = training.target_modules;
  if (targets !== undefined) out['target_modules'] = typeof targets === 'string' ? targets : sortedModules(targets);
  if (training.use_rslora !== undefined) out['use_rslora'] = training.use_rslora;
  if (training.use_dora !== undefined) out['use_dora'] = training.use_dora;
  if (training.bias !== undefined) out['bias'] = training.bias;
  if (training.modules_to_save !== undefined) out['modules_to_save'] = training.modules_to_save;
  if (options.taskType !== undefined) out['task_type'] = options.taskType;
  if (options.inferenceMode !== undefined) out['inference_mode'] = options.inferenceMode;
  if (options.peftVersion !== undefined) out['peft_version'] = options.peftVersion;

  const result: Record<string, JsonValue> = {};
  for (const key of Object.keys(out).sort()) {
    const value = out[key] as JsonValue;
    if (isPeftLoraKey(key)) {
      if (semver.gte(version, PEFT_LORA_FIELDS[key].since)) {
        if (!(key === 'peft_version' && value === null)) result[key] = value;
      } else if (key !== 'peft_version' && !jsonEqual(value, PEFT_LORA_FIELDS[key].default)) {
        throw new AdapterMetadataError('METADATA_PEFT_VERSION_UNSUPPORTED',
          `${key} = ${JSON.stringify(value)} needs PEFT >= ${PEFT_LORA_FIELDS[key].since}, but the config is for PEFT ${version}; raise peftVersion or unset ${key}`);
      }
    } else if (semver.gte(version, PEFT_TOLERATES_UNKNOWN_KEYS)) {
      result[key] = value;
    }
  }
  const check = parsePeftConfig(result);
  if (!check.success) {
    throw new AdapterMetadataError('METADATA_PEFT_CONFIG_INVALID',
      `the metadata does not make a valid LoRA adapter_config.json:\n${formatIssues(check.issues)}`, { issues: check.issues });
  }
  // zod returns declared keys first; PEFT writes them sorted (json.dumps(sort_keys=True)), and so do we.
  return Object.fromEntries(Object.keys(check.data).sort().map((key) => [key, check.data[key]])) as PeftLoraConfig;
}
