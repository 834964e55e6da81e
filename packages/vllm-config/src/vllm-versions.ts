import semver from 'semver';
import { VllmConfigError } from './errors.js';

/** A `vllm serve` flag this package can emit, with the vLLM releases that have it. */
export interface VllmFlagInfo {
  /** Long flag name without `--`, as in a `--config` YAML file. */
  readonly flag: string;
  /** First vLLM release with the flag. */
  readonly since: string;
  /** First vLLM release WITHOUT the flag; absent while the flag exists. */
  readonly removedIn?: string;
  /** First release that warns the flag is going away. */
  readonly deprecatedIn?: string;
}

/**
 * Which LoRA-related `vllm serve` flags exist in which vLLM release. Versions come from vLLM's release notes and
 * engine-argument docs; `since` values older than {@link OLDEST_VLLM_VERSION} are clamped to it because this
 * package does not target older releases.
 */
export const VLLM_FLAGS = [
  { flag: 'served-model-name', since: '0.6.0' },
  { flag: 'tensor-parallel-size', since: '0.6.0' },
  { flag: 'max-model-len', since: '0.6.0' },
  { flag: 'gpu-memory-utilization', since: '0.6.0' },
  { flag: 'host', since: '0.6.0' },
  { flag: 'port', since: '0.6.0' },
  { flag: 'config', since: '0.6.0' },
  { flag: 'enable-lora', since: '0.6.0' },
  { flag: 'max-loras', since: '0.6.0' },
  { flag: 'max-lora-rank', since: '0.6.0' },
  { flag: 'max-cpu-loras', since: '0.6.0' },
  { flag: 'lora-dtype', since: '0.6.0' },
  { flag: 'fully-sharded-loras', since: '0.6.0' },
  { flag: 'lora-modules', since: '0.6.0' },
  { flag: 'lora-extra-vocab-size', since: '0.6.0', deprecatedIn: '0.11.0', removedIn: '0.12.0' },
  { flag: 'long-lora-scaling-factors', since: '0.6.0', removedIn: '0.10.0' },
  { flag: 'enable-lora-bias', since: '0.6.4', removedIn: '0.12.0' },
  { flag: 'lora-target-modules', since: '0.17.0' },
] as const satisfies readonly VllmFlagInfo[];

/** A flag name from {@link VLLM_FLAGS}. */
export type VllmFlag = (typeof VLLM_FLAGS)[number]['flag'];

/** The oldest vLLM release this package generates configs for (first with `vllm serve --config`). */
export const OLDEST_VLLM_VERSION = '0.6.0';

/** The newest vLLM release in {@link VLLM_FLAGS}; the default target version. */
export const DEFAULT_VLLM_VERSION = '0.26.0';

/** First vLLM release that accepts the JSON form `{"name","path","base_model_name"}` of a `--lora-modules` item. */
export const LORA_MODULES_JSON_SINCE = '0.6.2';

/** First vLLM release shipping the `lora_filesystem_resolver` plugin (`VLLM_LORA_RESOLVER_CACHE_DIR`). */
export const LORA_FILESYSTEM_RESOLVER_SINCE = '0.9.0';

/** The values vLLM accepts for `--max-lora-rank`. */
export const ALLOWED_MAX_LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512] as const;

/** A value `--max-lora-rank` accepts. */
export type MaxLoraRank = (typeof ALLOWED_MAX_LORA_RANKS)[number];

/**
 * Normalises a vLLM version string (`0.6.3.post1`, `v0.11.0`, `0.16.0rc2`) to `major.minor.patch`.
 * @throws VllmConfigError `VLLM_VERSION_UNSUPPORTED` for non-versions and releases older than {@link OLDEST_VLLM_VERSION}.
 */
export function normalizeVllmVersion(version: string): string {
  const coerced = semver.coerce(version);
  if (coerced === null) {
    throw new VllmConfigError('VLLM_VERSION_UNSUPPORTED', `"${version}" is not a vLLM version (expected e.g. "0.11.0")`);
  }
  if (semver.lt(coerced, OLDEST_VLLM_VERSION)) {
    throw new VllmConfigError(
      'VLLM_VERSION_UNSUPPORTED',
      `vLLM ${version} is older than ${OLDEST_VLLM_VERSION}, the oldest release this package targets; upgrade vLLM`,
    );
  }
  return coerced.version;
}

/** True when `vllm serve` of the given release accepts `--<flag>`. */
export function isFlagAvailable(flag: VllmFlag, version: string): boolean {
  const v = normalizeVllmVersion(version);
  const info: VllmFlagInfo | undefined = VLLM_FLAGS.find((f) => f.flag === flag);
  if (info === undefined) return false;
  if (semver.lt(v, info.since)) return false;
  return info.removedIn === undefined || semver.lt(v, info.removedIn);
}

/** Why a flag is unavailable in a release, or undefined when it is available. */
export function flagUnavailableReason(flag: VllmFlag, version: string): string | undefined {
  if (isFlagAvailable(flag, version)) return undefined;
  const info: VllmFlagInfo | undefined = VLLM_FLAGS.find((f) => f.flag === flag);
  if (info?.removedIn !== undefined && semver.gte(normalizeVllmVersion(version), info.removedIn)) {
    return `--${flag} was removed in vLLM ${info.removedIn}; the target version is ${version}`;
  }
  return `--${flag} needs vLLM ${info?.since ?? '?'} or newer; the target version is ${version}`;
}

/** True when the release is newer than the newest one in the flag table (flags are then assumed unchanged). */
export function isNewerThanKnown(version: string): boolean {
  return semver.gt(normalizeVllmVersion(version), DEFAULT_VLLM_VERSION);
}

/** True when `a` is at least release `b`. */
export function versionAtLeast(a: string, b: string): boolean {
  return semver.gte(normalizeVllmVersion(a), b);
}

/**
 * Rounds a LoRA rank up to the next value `--max-lora-rank` accepts (e.g. 24 → 32, 300 → 320).
 * @throws VllmConfigError `VLLM_RANK_TOO_HIGH` above 512.
 */
export function roundUpLoraRank(rank: number): MaxLoraRank {
  for (const allowed of ALLOWED_MAX_LORA_RANKS) if (allowed >= rank) return allowed;
  throw new VllmConfigError(
    'VLLM_RANK_TOO_HIGH',
    `LoRA rank ${rank} is above 512, the largest --max-lora-rank vLLM accepts; retrain with a smaller r`,
  );
}
