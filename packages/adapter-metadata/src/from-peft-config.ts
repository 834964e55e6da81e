import semver from 'semver';
import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';
import { isHubId } from './internal/base-model-lint.js';
import { formatIssues } from './internal/format-issues.js';
import type { Issue } from './internal/issue.js';
import { jsonEqual, type JsonValue } from './internal/json.js';
import { isPeftLoraKey, PEFT_LORA_FIELDS, PEFT_TOLERATES_UNKNOWN_KEYS, WRITE_DEFAULTS } from './internal/peft-fields.js';
import { parsePeftConfig } from './parse-peft-config.js';

/**
 * The part of the metadata a PEFT config determines: base model and LoRA hyper-parameters. Full
 * {@link AdapterMetadata} values are assignable to it, so {@link toPeftConfig} accepts either.
 */
export interface PeftMetadata {
  base_model?: Partial<Pick<AdapterMetadata['base_model'], 'name' | 'revision' | 'serving_name'>>;
  training?: Partial<Pick<AdapterMetadata['training'], 'lora_rank' | 'lora_alpha' | 'lora_dropout' | 'target_modules'
    | 'use_rslora' | 'use_dora' | 'bias' | 'modules_to_save' | 'peft'>>;
}

/** What {@link fromPeftConfig} returns. */
export interface FromPeftConfigResult {
  /** Base model and training fields; merge into a metadata object (add `adapter_id`) to complete it. */
  metadata: PeftMetadata & { training: NonNullable<PeftMetadata['training']> };
  /** Real-world defects found in the config (see {@link parsePeftConfig}). */
  warnings: Issue[];
}

// Keys mapped onto first-class metadata fields; everything else goes to training.peft.
const MAPPED = new Set(['peft_type', 'base_model_name_or_path', 'revision', 'r', 'lora_alpha', 'lora_dropout',
  'target_modules', 'use_rslora', 'use_dora', 'bias', 'modules_to_save']);

/**
 * Converts a LoRA `adapter_config.json` into metadata fields. Keys without a metadata field of their own (task_type,
 * rank_pattern, layers_to_transform, ... and keys newer than this library) are kept under `training.peft` so that
 * `toPeftConfig(fromPeftConfig(x).metadata)` writes them back. Throws `METADATA_PEFT_CONFIG_INVALID` for non-LoRA
 * or foreign files.
 *
 * @example
 * ```ts
 * const { metadata, warnings } = fromPeftConfig(JSON.parse(await readFile('adapter_config.json', 'utf8')));
 * const meta = parseAdapterMetadata({ ...metadata, adapter_id: 'sql-helper' });
 * ```
 */
export function fromPeftConfig(json: unknown): FromPeftConfigResult {
  const parsed = parsePeftConfig(json);
  if (!parsed.success) {
    throw new AdapterMetadataError('METADATA_PEFT_CONFIG_INVALID',
      `not a usable LoRA adapter_config.json:\n${formatIssues(parsed.issues)}`, { issues: parsed.issues });
  }
  const config = parsed.data;
  const training: FromPeftConfigResult['metadata']['training'] = {
    // PEFT's own defaults, not the metadata model's, apply to keys an old or minimal config leaves out.
    lora_rank: config.r ?? PEFT_LORA_FIELDS.r.default,
    lora_alpha: config.lora_alpha ?? PEFT_LORA_FIELDS.lora_alpha.default,
    lora_dropout: config.lora_dropout ?? PEFT_LORA_FIELDS.lora_dropout.default,
  };
  const base: NonNullable<PeftMetadata['base_model']> = {};
  const extra: Record<string, JsonValue> = {};

  const baseName = config.base_model_name_or_path;
  if (typeof baseName === 'string' && baseName !== '') {
    base.serving_name = baseName;
    if (isHubId(baseName)) base.name = baseName;
  } else if (baseName === '') {
    extra['base_model_name_or_path'] = '';
  }
  if (typeof config.revision === 'string' && config.revision !== '') base.revision = config.revision;
  else if (config.revision === '') extra['revision'] = '';

  const targets = config.target_modules;
  if ((typeof targets === 'string' && targets !== '') || (Array.isArray(targets) && targets.length > 0)) {
    training.target_modules = targets;
  } else if (targets !== null && targets !== undefined) {
    extra['target_modules'] = targets;
  }
  if (config.use_rslora !== undefined) training.use_rslora = config.use_rslora;
  if (config.use_dora !== undefined) training.use_dora = config.use_dora;
  if (config.bias !== undefined) training.bias = config.bias;
  if (Array.isArray(config.modules_to_save)) training.modules_to_save = config.modules_to_save;

  for (const [key, value] of Object.entries(config)) {
    if (MAPPED.has(key) || value === undefined) continue;
    if (Object.hasOwn(WRITE_DEFAULTS, key) && jsonEqual(value, WRITE_DEFAULTS[key])) continue;
    extra[key] = value as JsonValue;
  }
  if (Object.keys(extra).length > 0) training.peft = extra;
  const warnings = [...parsed.warnings];
  const release = writerRelease(config);
  if (release !== undefined) {
    warnings.push({ code: 'old_peft_release', path: '/peft_version',
      message: `no peft_version: its keys are those of PEFT ${release} or a later release before 0.18, and PEFT before ${PEFT_TOLERATES_UNKNOWN_KEYS} refuses keys it does not know; to write only these keys back, pass peftVersion "${release}" to toPeftConfig (lorakit adapter peft --peft-version ${release})` });
  }
  return { metadata: Object.keys(base).length > 0 ? { base_model: base, training } : { training }, warnings };
}

/**
 * For a config without `peft_version` (PEFT writes it from 0.18 on): the earliest release that knows all its keys,
 * when that is older than the first release tolerating unknown keys, so that writing today's keys back would break
 * it. Undefined otherwise.
 */
function writerRelease(config: Record<string, unknown>): string | undefined {
  if (config['peft_version'] !== undefined) return undefined;
  let release = '0.1.0';
  for (const key of Object.keys(config)) {
    if (isPeftLoraKey(key) && semver.gt(PEFT_LORA_FIELDS[key].since, release)) release = PEFT_LORA_FIELDS[key].since;
  }
  // A config holding only the first release's keys is hand-written as often as not: nothing to tell.
  return release !== '0.1.0' && semver.lt(release, PEFT_TOLERATES_UNKNOWN_KEYS) ? release : undefined;
}
