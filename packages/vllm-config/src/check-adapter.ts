import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePeftConfig, readAdapterMetadata, type AdapterMetadata, type PeftLoraConfig } from '@lorakit/adapter-metadata';
import { VllmConfigError } from './errors.js';
import { isTransposedPair, LORA_KEY_SUFFIX, LORA_TENSOR, pairLoraTensors, type LoraPair } from './internal/lora-tensors.js';
import { moduleDims } from './internal/module-dims.js';
import {
  allowedByDeployRestriction,
  architectureOfModelName,
  EMBEDDING_MODULES,
  KNOWN_ARCHITECTURES,
  loraModulesFor,
  servesEmbeddingLora,
} from './internal/architectures.js';
import { findModelShape } from './model-shapes.js';
import { readSafetensorsHeader, type SafetensorsTensor } from './read-safetensors-header.js';
import { parseServeConfig, type ServeConfig, type ServeConfigInput } from './serve-config-schema.js';
import { ALLOWED_MAX_LORA_RANKS, roundUpLoraRank, versionAtLeast } from './vllm-versions.js';

/** The largest `--max-lora-rank` vLLM accepts. */
const MAX_LORA_RANK = Math.max(...ALLOWED_MAX_LORA_RANKS);

/** Why an adapter would fail (or misbehave) in vLLM. */
export type ServabilityCode =
  | 'config_missing'
  | 'config_invalid'
  | 'config_warning'
  | 'missing_field'
  | 'weights_missing'
  | 'weights_invalid'
  | 'weights_unchecked'
  | 'rank_too_high'
  | 'rank_mismatch'
  | 'dora'
  | 'bias'
  | 'lora_bias'
  | 'modules_to_save'
  | 'init_lora_weights'
  | 'lora_variant'
  | 'non_lora_tensor'
  | 'shape_mismatch'
  | 'transposed_lora'
  | 'base_model_mismatch'
  | 'unknown_architecture'
  | 'unsupported_target_module'
  | 'target_modules_mismatch'
  | 'target_modules_disjoint'
  | 'metadata_invalid'
  | 'metadata_mismatch';

/** One finding of {@link checkAdapter}. `error` means vLLM refuses the adapter or serves base-model output. */
export interface ServabilityProblem {
  code: ServabilityCode;
  severity: 'error' | 'warning';
  /** What vLLM does and what to change. */
  message: string;
  /** File the finding is about (relative to the adapter dir), with a JSON pointer when it is a config key. */
  where?: string;
}

/** The servability report of one adapter directory. */
export interface ServabilityReport {
  dir: string;
  /** True when no problem has severity `error`. */
  servable: boolean;
  /** `adapter_model.safetensors` or `adapter_model.bin`, when present. */
  weightsFile?: string;
  /** The parsed adapter_config.json, when it parsed. */
  peftConfig?: PeftLoraConfig;
  /** `max(r, rank_pattern values)` from adapter_config.json. */
  declaredRank?: number;
  /**
   * The largest first dimension of any `lora_A` tensor (its second for a pair stored transposed): the rank the
   * weights really have.
   */
  trueRank?: number;
  /** Architecture used for the target-module check, when known. */
  architecture?: string;
  /** Module names found in the tensors (e.g. `q_proj`), sorted. */
  modules: string[];
  /** Tensor names, dtypes and shapes from the safetensors header. */
  tensors: SafetensorsTensor[];
  problems: ServabilityProblem[];
}

const CONFIG = 'adapter_config.json';
const METADATA = 'adapter_metadata.json';
const SAFETENSORS = 'adapter_model.safetensors';
const BIN = 'adapter_model.bin';
const UNSERVABLE_INIT = ['pissa', 'olora', 'corda', 'loftq'];
/** LoRA variants PEFT saves as a LORA config that vLLM does not serve (PEFTHelper._validate_features). */
const LORA_VARIANTS = [
  ['use_qalora', 'QALoRA'],
  ['alora_invocation_tokens', 'Activated LoRA (aLoRA)'],
  ['layer_replication', 'layer-replicated LoRA'],
  ['use_bdlora', 'block-diagonal LoRA (BD-LoRA)'],
] as const;
/** The frozen weights of an embedding layer an adapter may carry, which vLLM skips. */
const BASE_EMBEDDING = /\.(?:embed_tokens|lm_head)\.base_layer\.weight$/;
/**
 * LoRA tensor names as PEFT saves them and vLLM parses them (parse_fine_tuned_lora_name: `lora_A`/`lora_B` then
 * `weight`, or a bare `lora_embedding_A`/`_B`); an adapter-name segment (`lora_A.default.weight`) is refused.
 */
const PEFT_LORA_NAME = /\.(?:lora_[AB]\.(?:weight|bias)|lora_embedding_[AB])$/;
const CLASSIFIER_HEADS = new Set(['classifier', 'score']);

/**
 * Checks whether vLLM will serve an adapter directory with a given serve config, without loading any tensor
 * data: reads `adapter_config.json`, the safetensors header (names, shapes), and `adapter_metadata.json` when
 * present, and reports every cause vLLM rejects at load (rank above `--max-lora-rank`, DoRA, bias, lora_bias,
 * modules_to_save, PiSSA/OLoRA/CorDA/LoftQ init, QALoRA/aLoRA/layer replication/BD-LoRA, missing
 * r/lora_alpha/target_modules, missing weights, tensor names with an adapter segment (`lora_A.default.weight`), full
 * `lm_head`/`embed_tokens`/DoRA/trainable-token tensors, lora_A/lora_B shapes that disagree, are transposed or do not
 * fit the served model's projections), a base model other than the served one, target modules
 * the architecture cannot serve, and a `--lora-target-modules` restriction that leaves it inert.
 * @throws VllmConfigError `VLLM_ADAPTER_UNREADABLE` when `dir` is not a readable directory; `VLLM_CONFIG_INVALID`
 * when the serve config is invalid.
 * @example
 * const report = await checkAdapter('out/legal-de', { model: 'meta-llama/Meta-Llama-3-8B-Instruct' });
 * if (!report.servable) console.error(formatServabilityReport(report));
 */
export async function checkAdapter(dir: string, serveConfig: ServeConfigInput): Promise<ServabilityReport> {
  const config = parseServeConfig(serveConfig);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch (cause) {
    throw new VllmConfigError('VLLM_ADAPTER_UNREADABLE', `adapter directory ${dir}: ${(cause as Error).message}`, { cause });
  }
  const report: ServabilityReport = { dir, servable: false, modules: [], tensors: [], problems: [] };
  const add = (code: ServabilityCode, severity: ServabilityProblem['severity'], message: string, where?: string) => {
    report.problems.push(where === undefined ? { code, severity, message } : { code, severity, message, where });
  };

  const peft = await readPeftConfig(dir, add);
  if (peft !== undefined) {
    report.peftConfig = peft;
    const declared = Math.max(peft.r ?? 0, ...Object.values(peft.rank_pattern ?? {}));
    if (declared > 0) report.declaredRank = declared;
    checkPeftFields(peft, config, add);
  }

  const metadata = await readMetadata(dir, add);
  const architecture = config.architecture ?? metadata?.base_model.architecture ?? findModelShape(config.model)?.architecture
    ?? architectureOfModelName(config.model);
  if (architecture !== undefined) report.architecture = architecture;

  await inspectWeights(dir, report, config, peft, add);

  const rank = Math.max(report.trueRank ?? 0, report.declaredRank ?? 0);
  // A serve config that leaves max_lora_rank to lorakit gets the adapter's rank rounded up (lorakit vllm config);
  // vLLM's own default is 16, so serving by hand needs the flag. Above 512 no setting serves it.
  const chosen = serveConfig.lora?.maxLoraRank !== undefined || (serveConfig.adapters ?? []).some((a) => a.rank !== undefined);
  if (rank > MAX_LORA_RANK) {
    add('rank_too_high', 'error', `LoRA rank ${rank} is above ${MAX_LORA_RANK}, the largest --max-lora-rank vLLM accepts: no setting serves it; retrain with a smaller r`, CONFIG);
  } else if (rank > config.lora.maxLoraRank && chosen) {
    add('rank_too_high', 'error', `LoRA rank ${rank} is greater than max_lora_rank ${config.lora.maxLoraRank}: vLLM refuses to load it; serve with lora.maxLoraRank >= ${rank}`, CONFIG);
  } else if (rank > config.lora.maxLoraRank) {
    add('rank_too_high', 'warning', `LoRA rank ${rank} is above vLLM's default --max-lora-rank ${config.lora.maxLoraRank}: serve with --max-lora-rank ${roundUpLoraRank(rank)} (lora.maxLoraRank; lorakit vllm config sets it from the adapter's rank)`, CONFIG);
  }
  if (report.trueRank !== undefined && report.declaredRank !== undefined && report.trueRank !== report.declaredRank) {
    add('rank_mismatch', 'warning', `adapter_config.json declares rank ${report.declaredRank} but the lora_A tensors have rank ${report.trueRank}; the config was edited or belongs to other weights`, `${CONFIG}#/r`);
  }
  checkModules(report, config, peft, add);
  if (peft !== undefined) checkBaseModel(peft, config, add);
  if (metadata !== undefined && peft !== undefined) crossCheckMetadata(metadata, peft, add);
  report.servable = !report.problems.some((p) => p.severity === 'error');
  return report;
}

type Add = (code: ServabilityCode, severity: ServabilityProblem['severity'], message: string, where?: string) => void;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new VllmConfigError('VLLM_ADAPTER_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function readPeftConfig(dir: string, add: Add): Promise<PeftLoraConfig | undefined> {
  const text = await readOptional(join(dir, CONFIG));
  if (text === undefined) {
    add('config_missing', 'error', `no ${CONFIG}: vLLM cannot load a LoRA adapter without it`, CONFIG);
    return undefined;
  }
  // vLLM's PEFTHelper reads the keys it knows and applies none of PEFT's own load checks: those are warnings here.
  const parsed = parsePeftConfig(text, { peftChecks: 'warn' });
  if (!parsed.success) {
    for (const issue of parsed.issues) add('config_invalid', 'error', issue.message, `${CONFIG}#${issue.path}`);
    return undefined;
  }
  for (const w of parsed.warnings) add('config_warning', 'warning', w.message, `${CONFIG}#${w.path}`);
  return parsed.data;
}

function checkPeftFields(peft: PeftLoraConfig, config: ServeConfig, add: Add): void {
  for (const field of ['r', 'lora_alpha', 'target_modules'] as const) {
    if (field === 'target_modules' && peft[field] === null) {
      // PEFTHelper only requires the key; the modules loaded are those the weights' tensor names adapt.
      add('missing_field', 'warning', `${CONFIG} has "target_modules": null: vLLM loads the modules the weights' tensor names adapt, and PEFT fills them in only for architectures it knows; list them so the config describes the weights`, `${CONFIG}#/${field}`);
    } else if (peft[field] === undefined || peft[field] === null) {
      add('missing_field', 'error', `${CONFIG} has no "${field}": vLLM needs r, lora_alpha and target_modules to load a LoRA adapter`, `${CONFIG}#/${field}`);
    }
  }
  if (peft.use_dora === true) {
    add('dora', 'error', 'use_dora is true: vLLM does not serve DoRA adapters; merge the adapter into the base model or retrain without DoRA', `${CONFIG}#/use_dora`);
  }
  const biasAllowed = config.lora.enableLoraBias;
  if (peft.bias !== undefined && peft.bias !== 'none' && !biasAllowed) {
    add('bias', 'error', `bias is "${peft.bias}": vLLM only loads adapters with bias "none"${versionAtLeast(config.vllmVersion, '0.12.0') ? ' (--enable-lora-bias was removed in 0.12)' : ' unless served with lora.enableLoraBias'}; retrain with bias="none"`, `${CONFIG}#/bias`);
  }
  if (peft.lora_bias === true && !biasAllowed) {
    add('lora_bias', 'error', 'lora_bias is true: vLLM rejects LoRA B bias terms; retrain with lora_bias=false', `${CONFIG}#/lora_bias`);
  }
  const toSave = peft.modules_to_save ?? [];
  if (toSave.length > 0) {
    const heads = toSave.every((m) => CLASSIFIER_HEADS.has(m.slice(m.lastIndexOf('.') + 1)));
    if (heads) {
      add('modules_to_save', 'warning', `modules_to_save is ${JSON.stringify(toSave)}: only the newest vLLM releases accept a classifier/score head, and only for sequence-classification models`, `${CONFIG}#/modules_to_save`);
    } else {
      add('modules_to_save', 'error', `modules_to_save is ${JSON.stringify(toSave)}: vLLM only supports modules_to_save being empty (fully trained modules are not LoRA); retrain without them or merge the adapter`, `${CONFIG}#/modules_to_save`);
    }
  }
  const init = peft.init_lora_weights;
  if (typeof init === 'string' && UNSERVABLE_INIT.some((p) => init.toLowerCase().startsWith(p))) {
    add('init_lora_weights', 'error', `init_lora_weights is "${init}": vLLM rejects ${init.toLowerCase().split('_')[0]}-initialised adapters because they change the base weights; convert the adapter to plain LoRA first`, `${CONFIG}#/init_lora_weights`);
  }
  const scaled = patternScales(peft);
  if (scaled.length > 0) {
    add('config_warning', 'warning', `rank_pattern/alpha_pattern give ${scaled.join(', ')} a scale of their own; vLLM releases before per-module scaling (PEFTHelper.get_rank_and_scaling) apply lora_alpha / r to every module and serve those with the wrong scale: check the release you serve`, `${CONFIG}#/rank_pattern`);
  }
  for (const [field, variant] of LORA_VARIANTS) {
    const value: unknown = peft[field];
    const set = Array.isArray(value) ? value.length > 0 : typeof value === 'object' && value !== null ? Object.keys(value).length > 0 : Boolean(value);
    if (set) add('lora_variant', 'error', `${field} is set: vLLM does not serve ${variant} adapters (PEFTHelper refuses them; releases before that check load them and answer unlike the trained adapter); retrain as plain LoRA`, `${CONFIG}#/${field}`);
  }
}

/** The pattern keys whose scale (alpha / r, or alpha / √r with rsLoRA) differs from the adapter's own, with both. */
function patternScales(peft: PeftLoraConfig): string[] {
  const r = peft.r;
  const alpha = peft.lora_alpha;
  if (r === undefined || alpha === undefined) return [];
  const scale = (rank: number, a: number) => (peft.use_rslora === true ? a / Math.sqrt(rank) : a / rank);
  const base = scale(r, alpha);
  const keys = new Set([...Object.keys(peft.rank_pattern ?? {}), ...Object.keys(peft.alpha_pattern ?? {})]);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return [...keys]
    .map((key) => ({ key, own: scale(peft.rank_pattern?.[key] ?? r, peft.alpha_pattern?.[key] ?? alpha) }))
    .filter(({ own }) => Math.abs(own - base) > 1e-9)
    .map(({ key, own }) => `${key} (${round(own)}, not ${round(base)})`);
}

async function readMetadata(dir: string, add: Add): Promise<AdapterMetadata | undefined> {
  const path = join(dir, METADATA);
  if (!(await exists(path))) return undefined;
  try {
    return (await readAdapterMetadata(path)).metadata;
  } catch (error) {
    add('metadata_invalid', 'warning', `${METADATA} is not valid adapter metadata, so it was not cross-checked: ${(error as Error).message}`, METADATA);
    return undefined;
  }
}

function moduleOf(tensorName: string): string | undefined {
  return LORA_TENSOR.exec(tensorName)?.[1];
}

async function inspectWeights(dir: string, report: ServabilityReport, config: ServeConfig, peft: PeftLoraConfig | undefined, add: Add): Promise<void> {
  const hasSafetensors = await exists(join(dir, SAFETENSORS));
  if (!hasSafetensors) {
    if (await exists(join(dir, BIN))) {
      report.weightsFile = BIN;
      add('weights_unchecked', 'warning', `only ${BIN} (a pickle) is present: its tensors cannot be listed without loading them; convert it to ${SAFETENSORS} to check rank and tensors`, BIN);
    } else {
      add('weights_missing', 'error', `neither ${SAFETENSORS} nor ${BIN} exists: vLLM has no weights to load`);
    }
    return;
  }
  report.weightsFile = SAFETENSORS;
  let tensors: SafetensorsTensor[];
  try {
    tensors = (await readSafetensorsHeader(join(dir, SAFETENSORS))).tensors;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'VLLM_SAFETENSORS_INVALID') throw error;
    add('weights_invalid', 'error', (error as Error).message, SAFETENSORS);
    return;
  }
  report.tensors = tensors;
  const modules = new Set<string>();
  const foreign = new Map<string, string[]>();
  const note = (kind: string, name: string) => {
    const list = foreign.get(kind) ?? [];
    list.push(name);
    foreign.set(kind, list);
  };
  const biasAllowed = config.lora.enableLoraBias;
  for (const t of tensors) {
    // vLLM skips the frozen base weights of embedding layers (lora/utils.py is_base_embeddding_weights).
    if (BASE_EMBEDDING.test(t.name)) continue;
    const module = moduleOf(t.name);
    if (module === undefined) {
      if (t.name.includes('lora_magnitude_vector')) note('DoRA magnitude vectors (lora_magnitude_vector)', t.name);
      else if (t.name.includes('trainable_tokens')) note('trainable-token deltas (trainable_tokens_delta)', t.name);
      else if (/(?:^|\.)lm_head\./.test(t.name)) note('a full lm_head weight', t.name);
      else if (/(?:^|\.)embed_tokens\./.test(t.name)) note('a full embed_tokens weight', t.name);
      else note('non-LoRA tensors', t.name);
      continue;
    }
    modules.add(module);
    if (!PEFT_LORA_NAME.test(t.name)) note('LoRA tensors named with an adapter segment (lora_A.default.weight, which vLLM calls an "unsupported LoRA weight"; PEFT\'s save_pretrained writes lora_A.weight)', t.name);
    if (t.name.endsWith('.bias') && !biasAllowed && peft?.lora_bias !== true) note('LoRA bias tensors', t.name);
  }
  const trueRank = checkShapes(pairLoraTensors(tensors), config.model, add);
  if (trueRank > 0) report.trueRank = trueRank;
  report.modules = [...modules].sort();
  for (const [kind, names] of foreign) {
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} in all)` : '');
    add('non_lora_tensor', 'error', `${SAFETENSORS} holds ${kind}: vLLM only loads lora_A/lora_B tensors and rejects the adapter (${shown}); save the adapter without them`, SAFETENSORS);
  }
  if (tensors.length === 0) {
    add('weights_invalid', 'error', `${SAFETENSORS} holds no tensors: vLLM would load an adapter that changes nothing`, SAFETENSORS);
  } else if (modules.size === 0) {
    add('non_lora_tensor', 'error', `${SAFETENSORS} has no lora_A/lora_B tensors: it is not a LoRA adapter`, SAFETENSORS);
  }
}

const shapeText = (shape: readonly number[] | undefined) => (shape === undefined ? 'missing' : `[${shape.join(', ')}]`);

/**
 * Cross-checks each module's lora_A `[r, in]` and lora_B `[out, r]` (PEFT's layout; `lora_embedding_A/B` too), and
 * `in`/`out` against the served model's projections when its shape is known. Returns the true rank.
 *
 * vLLM checks none of this when it reads the file (`LoRAModel.from_lora_tensors` only checks the embedding
 * vocabulary): it copies each tensor into buffers pre-allocated as `[max_lora_rank, in]` and `[out, max_lora_rank]`
 * (`set_lora`: `lora_a_stacked[i, 0, :A.shape[0], :A.shape[1]].copy_(A)`). A dimension larger than the buffer fails
 * that copy when the adapter is activated; a smaller one is copied into a corner of the zeroed buffer and the
 * adapter is served with outputs unlike its training. A/B disagreeing on the rank loads the same way (the extra
 * columns meet zeros), and PEFT itself refuses such weights. So each case is an error here.
 */
function checkShapes(pairs: Map<string, LoraPair>, model: string, add: Add): number {
  const shape = findModelShape(model);
  const found = new Map<string, { code: ServabilityCode; message: string; first: string; count: number }>();
  const note = (code: ServabilityCode, message: string, key: string) => {
    const seen = found.get(`${code}\n${message}`);
    if (seen === undefined) found.set(`${code}\n${message}`, { code, message, first: key, count: 1 });
    else seen.count++;
  };
  let trueRank = 0;
  for (const [key, { module, a, b }] of pairs) {
    const dims = shape === undefined ? undefined : moduleDims(shape, module);
    if (a?.length !== 2 || b?.length !== 2) {
      if (a?.length === 2) trueRank = Math.max(trueRank, a[0] as number);
      continue;
    }
    const [a0, a1] = a as [number, number];
    const [b0, b1] = b as [number, number];
    if (isTransposedPair([a0, a1], [b0, b1], dims)) {
      trueRank = Math.max(trueRank, a1);
      note('transposed_lora', `${module}: lora_A is ${shapeText(a)} and lora_B ${shapeText(b)}, stored transposed (rank ${a1}; PEFT writes lora_A as [r, in] and lora_B as [out, r]): vLLM copies lora_A into its [max_lora_rank, in] buffer and fails to load the adapter; save lora_A and lora_B transposed back`, key);
      continue;
    }
    trueRank = Math.max(trueRank, a0);
    if (a0 !== b1) {
      note('shape_mismatch', `${module}: lora_A ${shapeText(a)} and lora_B ${shapeText(b)} disagree on the rank (${a0} vs ${b1}); lora_A must be [r, in] and lora_B [out, r] with the same r: vLLM loads the pair without checking and serves outputs unlike the trained adapter (or fails when a dimension exceeds max_lora_rank); the weights are corrupt or mixed from two adapters`, key);
    }
    if (dims !== undefined && (a1 !== dims[0] || b0 !== dims[1])) {
      note('shape_mismatch', `${module}: ${model} has ${module} [in ${dims[0]}, out ${dims[1]}], so lora_A must be [r, ${dims[0]}] and lora_B [${dims[1]}, r], but they are ${shapeText(a)} and ${shapeText(b)}: vLLM fails to load a larger dimension and silently serves a smaller one with outputs unlike the training; the adapter was trained on another base model`, key);
    }
  }
  for (const { code, message, first, count } of found.values()) {
    add(code, 'error', `${message} (${first}${count > 1 ? ` and ${count - 1} more` : ''})`, SAFETENSORS);
  }
  return trueRank;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function checkModules(report: ServabilityReport, config: ServeConfig, peft: PeftLoraConfig | undefined, add: Add): void {
  const declared = peft?.target_modules;
  const found = report.modules;
  if (found.length > 0 && Array.isArray(declared)) {
    const names = new Set(declared.map((m) => m.slice(m.lastIndexOf('.') + 1)));
    const extra = found.filter((m) => !names.has(m));
    if (extra.length > 0) {
      add('target_modules_mismatch', 'warning', `target_modules lists ${JSON.stringify([...names])} but the weights also adapt ${JSON.stringify(extra)}; the config does not describe these weights`, `${CONFIG}#/target_modules`);
    }
  } else if (found.length > 0 && typeof declared === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(`^(?:${declared})$`);
    } catch {
      add('target_modules_mismatch', 'warning', `target_modules regex ${JSON.stringify(declared)} is not a JavaScript regex, so it was not compared with the weights`, `${CONFIG}#/target_modules`);
    }
    const keys = report.tensors.map((t) => t.name.replace(/^base_model\.model\./, '').replace(LORA_KEY_SUFFIX, ''));
    const unmatched = pattern === undefined ? [] : [...new Set(keys.filter((k) => !pattern.test(k)))];
    if (unmatched.length > 0) {
      add('target_modules_mismatch', 'warning', `target_modules regex ${JSON.stringify(declared)} does not match ${unmatched.length} adapted module(s), e.g. ${unmatched[0]}`, `${CONFIG}#/target_modules`);
    }
  }

  const modules = found.length > 0 ? found : Array.isArray(declared) ? declared.map((m) => m.slice(m.lastIndexOf('.') + 1)) : [];
  const arch = report.architecture;
  const supported = arch === undefined ? undefined : loraModulesFor(arch);
  if (supported === undefined) {
    add('unknown_architecture', 'warning', arch === undefined
      ? `unknown architecture: set serveConfig.architecture or base_model.architecture in ${METADATA} to check target modules (known: ${KNOWN_ARCHITECTURES.join(', ')})`
      : `unknown architecture ${arch}: target modules were not checked (known: ${KNOWN_ARCHITECTURES.join(', ')})`);
  } else if (modules.length > 0) {
    const bad = modules.filter((m) => !supported.includes(m) && !EMBEDDING_MODULES.includes(m));
    if (bad.length > 0) {
      add('unsupported_target_module', 'error', `vLLM ${config.vllmVersion} applies LoRA on ${arch} only to ${JSON.stringify(supported)}, but the adapter targets ${JSON.stringify(bad)}: loading fails with "expected target modules in ${JSON.stringify(supported)} but received ${JSON.stringify(bad)}"; retrain with supported modules`, `${CONFIG}#/target_modules`);
    }
    const embedding = modules.filter((m) => EMBEDDING_MODULES.includes(m));
    if (embedding.length > 0 && arch !== undefined && !servesEmbeddingLora(arch)) {
      add('unsupported_target_module', 'warning', `the adapter targets ${JSON.stringify(embedding)}, but vLLM's ${arch} declares no embedding modules in most releases (only the Llama, Mistral and Phi-3 classes do): loading then fails with "expected target modules in ... but received ${JSON.stringify(embedding)}"; check with the vLLM release you serve, or retrain without them`, `${CONFIG}#/target_modules`);
    }
  }

  const restriction = config.lora.targetModules;
  if (restriction !== undefined && modules.length > 0) {
    const kept = modules.filter((m) => allowedByDeployRestriction(m, restriction));
    if (kept.length === 0) {
      add('target_modules_disjoint', 'error', `--lora-target-modules ${restriction.join(' ')} excludes every module of this adapter (${modules.join(', ')}): vLLM loads it but answers with base-model output`);
    } else if (kept.length < modules.length) {
      add('target_modules_disjoint', 'warning', `--lora-target-modules ${restriction.join(' ')} drops ${modules.filter((m) => !kept.includes(m)).join(', ')} from this adapter: outputs differ from training`);
    }
  }
}

function lastSegment(model: string): string {
  return model.replace(/\/+$/, '').slice(model.replace(/\/+$/, '').lastIndexOf('/') + 1).toLowerCase();
}

/**
 * How the base model an adapter was trained on relates to the model a server runs: `same` (equal; Hub ids ignore
 * case), `other_path` (the same model by another path, e.g. `Qwen/Qwen2.5-7B-Instruct` served from
 * `/models/Qwen2.5-7B-Instruct`: static loading works) or `different` (vLLM may load the adapter and answer with
 * garbage). {@link checkAdapter} reports the last two as `base_model_mismatch`.
 * @example
 * compareBaseModels('Qwen/Qwen2.5-7B-Instruct', '/models/Qwen2.5-7B-Instruct'); // 'other_path'
 */
export function compareBaseModels(trainedOn: string, served: string): 'same' | 'other_path' | 'different' {
  if (trainedOn.toLowerCase() === served.toLowerCase()) return 'same';
  return lastSegment(trainedOn) === lastSegment(served) ? 'other_path' : 'different';
}

function checkBaseModel(peft: PeftLoraConfig, config: ServeConfig, add: Add): void {
  const base = peft.base_model_name_or_path;
  const where = `${CONFIG}#/base_model_name_or_path`;
  if (base === undefined || base === null || base === '') {
    add('base_model_mismatch', 'warning', `base_model_name_or_path is empty: nothing shows the adapter was trained on ${config.model}, and the filesystem resolver refuses it`, where);
    return;
  }
  const match = compareBaseModels(base, config.model);
  if (match === 'same' && (base === config.model || config.resolverCacheDir === undefined)) return;
  if (match !== 'different') {
    add('base_model_mismatch', config.resolverCacheDir === undefined ? 'warning' : 'error', `base_model_name_or_path "${base}" names the served model "${config.model}" by another path; static --lora-modules loading works, but the filesystem resolver requires the exact served string`, where);
    return;
  }
  add('base_model_mismatch', 'error', `adapter was trained on "${base}" but the server runs "${config.model}": a LoRA adapter only works on its own base model (vLLM may load it and answer with garbage); serve it with its base model`, where);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function crossCheckMetadata(meta: AdapterMetadata, peft: PeftLoraConfig, add: Add): void {
  if (peft.r !== undefined && meta.training.lora_rank !== peft.r) {
    add('metadata_mismatch', 'warning', `${METADATA} says lora_rank ${meta.training.lora_rank} but ${CONFIG} says r ${peft.r}`, `${METADATA}#/training/lora_rank`);
  }
  const metaModules = meta.training.target_modules;
  const peftModules = peft.target_modules;
  if (metaModules !== undefined && peftModules !== undefined && peftModules !== null) {
    const differs = typeof metaModules === 'string' || typeof peftModules === 'string'
      ? metaModules !== peftModules
      : !sameSet(metaModules, peftModules);
    if (differs) {
      add('metadata_mismatch', 'warning', `${METADATA} target_modules ${JSON.stringify(metaModules)} differ from ${CONFIG} ${JSON.stringify(peftModules)}`, `${METADATA}#/training/target_modules`);
    }
  }
  const metaBase = meta.base_model.serving_name ?? meta.base_model.name;
  const peftBase = peft.base_model_name_or_path;
  if (peftBase !== undefined && peftBase !== null && metaBase !== peftBase) {
    add('metadata_mismatch', 'warning', `${METADATA} base model "${metaBase}" differs from ${CONFIG} base_model_name_or_path "${peftBase}"`, `${METADATA}#/base_model`);
  }
}

/**
 * Renders a {@link ServabilityReport} as plain text: a verdict line, rank and modules, then one line per problem.
 * @example
 * console.log(formatServabilityReport(await checkAdapter(dir, config)));
 */
export function formatServabilityReport(report: ServabilityReport): string {
  const lines = [`${report.dir}: ${report.servable ? 'SERVABLE' : 'NOT SERVABLE'}`];
  const facts: string[] = [];
  if (report.weightsFile !== undefined) facts.push(`weights ${report.weightsFile} (${report.tensors.length} tensors)`);
  if (report.declaredRank !== undefined) facts.push(`declared rank ${report.declaredRank}`);
  if (report.trueRank !== undefined) facts.push(`true rank ${report.trueRank}`);
  if (report.architecture !== undefined) facts.push(report.architecture);
  if (facts.length > 0) lines.push(`  ${facts.join(', ')}`);
  if (report.modules.length > 0) lines.push(`  modules: ${report.modules.join(', ')}`);
  for (const p of report.problems) lines.push(`  ${p.severity === 'error' ? 'ERROR' : 'warn '} ${p.code}${p.where === undefined ? '' : ` [${p.where}]`}: ${p.message}`);
  return lines.join('\n');
}
