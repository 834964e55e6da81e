import { z } from 'zod';
import type { Issue } from '@lorakit/adapter-metadata';
import { VllmConfigError } from './errors.js';
import { needsJsonForm } from './internal/flag-entries.js';
import {
  ALLOWED_MAX_LORA_RANKS,
  DEFAULT_VLLM_VERSION,
  flagUnavailableReason,
  isNewerThanKnown,
  LORA_FILESYSTEM_RESOLVER_SINCE,
  LORA_MODULES_JSON_SINCE,
  normalizeVllmVersion,
  roundUpLoraRank,
  versionAtLeast,
  type VllmFlag,
} from './vllm-versions.js';

/** How many adapters vLLM batches together by default: more slots cost GPU memory (see `planMemory`). */
const DEFAULT_MAX_LORAS_CAP = 8;

/** One LoRA adapter served by name through `--lora-modules`. */
export const ServeAdapterSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[^\s=]+$/, 'an adapter name may not contain whitespace or "="')
    // vLLM's argument parser would read the `--lora-modules` item `-x=/path` as an option, not as an adapter.
    .regex(/^[^-]/, 'an adapter name may not start with "-" (vLLM would read its --lora-modules item as a flag)')
    .describe('LoRA module name: clients select the adapter by sending it as the request `model`'),
  path: z.string().min(1).describe('Adapter directory (or Hugging Face repo id) as the vLLM process sees it'),
  baseModelName: z
    .string()
    .min(1)
    .optional()
    .describe('`parent` shown by /v1/models; vLLM drops it unless it equals a served model name'),
  rank: z
    .int()
    .min(1)
    .optional()
    .describe('The adapter rank (max of `r` and `rank_pattern` values); drives the default --max-lora-rank'),
});

/** LoRA engine settings (`--max-loras`, `--max-lora-rank`, ...). Unset values are derived from the adapters. */
export const LoraSettingsSchema = z.strictObject({
  maxLoras: z.int().min(1).optional().describe('--max-loras: adapters in one batch. @default min(#adapters, 8)'),
  maxLoraRank: z
    .literal(ALLOWED_MAX_LORA_RANKS)
    .optional()
    .describe('--max-lora-rank, one of 1, 8, 16, 32, 64, 128, 256, 320, 512. @default largest adapter rank rounded up, else 16'),
  maxCpuLoras: z
    .int()
    .min(1)
    .optional()
    .describe('--max-cpu-loras: adapters cached in CPU memory, at least maxLoras. @default max(maxLoras, #adapters)'),
  loraDtype: z.enum(['auto', 'float16', 'bfloat16']).default('auto').describe('--lora-dtype'),
  fullyShardedLoras: z.boolean().default(false).describe('--fully-sharded-loras (tensor parallel only)'),
  targetModules: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('--lora-target-modules (vLLM >= 0.17): module suffixes LoRA is applied to at deploy time'),
  enableLoraBias: z.boolean().default(false).describe('--enable-lora-bias (removed in vLLM 0.12)'),
  extraVocabSize: z.int().min(0).optional().describe('--lora-extra-vocab-size (removed in vLLM 0.12)'),
});

const ServeConfigObject = z.strictObject({
  model: z.string().min(1).describe('Base model: Hugging Face repo id or local path, the `vllm serve` positional'),
  servedModelName: z.string().min(1).optional().describe('--served-model-name. @default model'),
  vllmVersion: z.string().default(DEFAULT_VLLM_VERSION).describe('Target vLLM release; decides which flags exist'),
  architecture: z
    .string()
    .min(1)
    .optional()
    .describe('Base model architecture (e.g. LlamaForCausalLM), for the target-module check'),
  tensorParallelSize: z.int().min(1).default(1).describe('--tensor-parallel-size; also the GPU count requested'),
  maxModelLen: z.int().min(1).optional().describe('--max-model-len'),
  gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9).describe('--gpu-memory-utilization'),
  host: z.string().min(1).optional().describe('--host'),
  port: z.int().min(1).max(65535).default(8000).describe('--port'),
  lora: LoraSettingsSchema.prefault({}),
  adapters: z.array(ServeAdapterSchema).default([]).describe('Adapters loaded at start-up via --lora-modules'),
  runtimeLoraUpdating: z
    .boolean()
    .default(false)
    .describe('Sets VLLM_ALLOW_RUNTIME_LORA_UPDATING=True (load/unload endpoints): only on trusted networks'),
  resolverCacheDir: z
    .string()
    .min(1)
    .optional()
    .describe('Enables the lora_filesystem_resolver plugin over this directory (implies runtimeLoraUpdating)'),
  deploymentName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lowercase letters, digits, "-")')
    .max(63)
    .default('vllm')
    .describe('Name of the compose service and the Kubernetes Deployment/Service'),
  image: z.string().min(1).optional().describe('Container image. @default vllm/vllm-openai:v<vllmVersion>'),
  adapterVolumeClaim: z
    .string()
    .min(1)
    .optional()
    .describe('Kubernetes PersistentVolumeClaim holding the adapters, mounted read-only at /adapters'),
});

function customIssue(code: string, message: string, path: (string | number)[]) {
  return { code: 'custom' as const, message, path, params: { vllmCode: code } };
}

/**
 * The one description of a vLLM multi-LoRA deployment. Every output (`toServeArgs`, `toServeYaml`, `toEnv`,
 * `toComposeService`, `toKubernetesManifest`) is generated from a parsed value of this schema. Parsing
 * validates cross-field facts vLLM enforces at start-up or load (`max_cpu_loras >= max_loras`, adapter ranks
 * within `--max-lora-rank`, flags the target version has) and fills the derived defaults.
 */
export const ServeConfigSchema = ServeConfigObject.superRefine((c, ctx) => {
  let version: string;
  try {
    version = normalizeVllmVersion(c.vllmVersion);
  } catch (error) {
    ctx.addIssue(customIssue('version_unsupported', (error as Error).message, ['vllmVersion']));
    return;
  }
  const seen = new Set<string>();
  c.adapters.forEach((a, i) => {
    if (seen.has(a.name)) {
      ctx.addIssue(customIssue('duplicate_adapter', `adapter name "${a.name}" is used twice; names must be unique`, ['adapters', i, 'name']));
    }
    seen.add(a.name);
    if (a.name === (c.servedModelName ?? c.model)) {
      ctx.addIssue(customIssue('adapter_shadows_model', `adapter name "${a.name}" equals the served model name; requests could not select the base model`, ['adapters', i, 'name']));
    }
    if (a.rank !== undefined && a.rank > 512) {
      ctx.addIssue(customIssue('rank_too_high', `adapter "${a.name}" has rank ${a.rank}, above 512, the largest --max-lora-rank vLLM accepts`, ['adapters', i, 'rank']));
    } else if (a.rank !== undefined && c.lora.maxLoraRank !== undefined && a.rank > c.lora.maxLoraRank) {
      ctx.addIssue(customIssue('rank_too_high', `adapter "${a.name}" has rank ${a.rank} but maxLoraRank is ${c.lora.maxLoraRank}: vLLM would fail with "LoRA rank ${a.rank} is greater than max_lora_rank ${c.lora.maxLoraRank}"; set maxLoraRank to ${roundUpLoraRank(a.rank)} or leave it unset`, ['lora', 'maxLoraRank']));
    }
    if (needsJsonForm(a) && !versionAtLeast(version, LORA_MODULES_JSON_SINCE)) {
      const why = a.baseModelName === undefined ? 'its name or path contains "=" or ","' : 'it sets baseModelName';
      ctx.addIssue(customIssue('flag_unavailable', `adapter "${a.name}" needs the JSON form of --lora-modules because ${why}, which vLLM ${version} lacks (needs ${LORA_MODULES_JSON_SINCE}+)`, ['adapters', i]));
    }
  });
  const maxLoras = c.lora.maxLoras ?? defaultMaxLoras(c.adapters.length);
  if (c.lora.maxCpuLoras !== undefined && c.lora.maxCpuLoras < maxLoras) {
    ctx.addIssue(customIssue('too_small', `maxCpuLoras (${c.lora.maxCpuLoras}) must be >= maxLoras (${maxLoras}), else vLLM refuses to start`, ['lora', 'maxCpuLoras']));
  }
  const gated: [boolean, VllmFlag, string][] = [
    [c.lora.enableLoraBias, 'enable-lora-bias', 'enableLoraBias'],
    [c.lora.extraVocabSize !== undefined, 'lora-extra-vocab-size', 'extraVocabSize'],
    [c.lora.targetModules !== undefined, 'lora-target-modules', 'targetModules'],
  ];
  if (c.resolverCacheDir !== undefined && !versionAtLeast(version, LORA_FILESYSTEM_RESOLVER_SINCE)) {
    ctx.addIssue(customIssue('flag_unavailable', `the lora_filesystem_resolver plugin ships with vLLM ${LORA_FILESYSTEM_RESOLVER_SINCE}+; the target version is ${version}`, ['resolverCacheDir']));
  }
  for (const [used, flag, key] of gated) {
    const reason = used ? flagUnavailableReason(flag, version) : undefined;
    if (reason !== undefined) ctx.addIssue(customIssue('flag_unavailable', `${reason}; remove lora.${key}`, ['lora', key]));
  }
}).transform((c) => {
  const version = normalizeVllmVersion(c.vllmVersion);
  const ranks = c.adapters.flatMap((a) => (a.rank === undefined ? [] : [a.rank]));
  const maxLoras = c.lora.maxLoras ?? defaultMaxLoras(c.adapters.length);
  return {
    ...c,
    vllmVersion: version,
    servedModelName: c.servedModelName ?? c.model,
    runtimeLoraUpdating: c.runtimeLoraUpdating || c.resolverCacheDir !== undefined,
    image: c.image ?? `vllm/vllm-openai:v${version}`,
    lora: {
      ...c.lora,
      maxLoras,
      maxLoraRank: c.lora.maxLoraRank ?? (ranks.length > 0 ? roundUpLoraRank(Math.max(...ranks)) : (16 as const)),
      maxCpuLoras: c.lora.maxCpuLoras ?? Math.max(maxLoras, c.adapters.length),
    },
  };
});

function defaultMaxLoras(adapterCount: number): number {
  return Math.min(Math.max(adapterCount, 1), DEFAULT_MAX_LORAS_CAP);
}

/** Serve config as written by a user (defaults optional). */
export type ServeConfigInput = z.input<typeof ServeConfigSchema>;
/** A parsed serve config: defaults filled, derived LoRA settings resolved, version normalised. */
export type ServeConfig = z.output<typeof ServeConfigSchema>;
/** One adapter of a serve config. */
export type ServeAdapter = z.output<typeof ServeAdapterSchema>;

/** Result of {@link safeParseServeConfig}: issues are values; warnings never block. */
export type ServeConfigResult =
  | { success: true; data: ServeConfig; warnings: string[] }
  | { success: false; issues: Issue[] };

/**
 * Validates a serve config and fills its derived defaults.
 * @example
 * const r = safeParseServeConfig({ model: 'meta-llama/Meta-Llama-3-8B-Instruct', adapters: [{ name: 'legal', path: '/adapters/legal', rank: 24 }] });
 * if (r.success) r.data.lora.maxLoraRank; // 32
 */
export function safeParseServeConfig(input: unknown): ServeConfigResult {
  const parsed = ServeConfigSchema.safeParse(input);
  if (!parsed.success) {
    const pointer = (path: readonly PropertyKey[]) =>
      path.length === 0 ? '' : `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    return {
      success: false,
      // An unknown key is an issue at its own path (`/lora/maxLoraRnak`), one per key, not at its parent's.
      issues: parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((key) => ({ code: i.code, path: pointer([...i.path, key]), message: `unknown key "${key}" (check the spelling)` }))
          : [{
            code: i.code === 'custom' ? String((i as { params?: { vllmCode?: string } }).params?.vllmCode ?? 'other') : i.code,
            path: pointer(i.path),
            message: i.message,
          }],
      ),
    };
  }
  return { success: true, data: parsed.data, warnings: serveConfigWarnings(parsed.data) };
}

/**
 * Like {@link safeParseServeConfig} but throws.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` with `issues`.
 */
export function parseServeConfig(input: unknown): ServeConfig {
  const r = safeParseServeConfig(input);
  if (r.success) return r.data;
  const list = r.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  throw new VllmConfigError('VLLM_CONFIG_INVALID', `invalid serve config: ${list}`, { issues: r.issues });
}

function serveConfigWarnings(c: ServeConfig): string[] {
  const warnings: string[] = [];
  if (isNewerThanKnown(c.vllmVersion)) {
    warnings.push(`vLLM ${c.vllmVersion} is newer than ${DEFAULT_VLLM_VERSION}, the newest release in the flag table; flags are assumed unchanged`);
  }
  for (const a of c.adapters) {
    if (a.baseModelName !== undefined && a.baseModelName !== c.servedModelName) {
      warnings.push(`adapter "${a.name}": baseModelName "${a.baseModelName}" is not a served model name ("${c.servedModelName}"), so vLLM drops it and /v1/models shows the served model as parent`);
    }
    if (a.rank === undefined) {
      warnings.push(`adapter "${a.name}" has no rank; --max-lora-rank ${c.lora.maxLoraRank} may be too low (readAdapterRank or "lorakit adapter check" reads the true rank from the adapter folder)`);
    }
  }
  if (c.runtimeLoraUpdating) {
    warnings.push('VLLM_ALLOW_RUNTIME_LORA_UPDATING=True lets any client load adapters from server paths: expose this server only on a trusted network');
  }
  return warnings;
}
