import { parseServeConfig, type ServeConfigInput } from './serve-config-schema.js';

/**
 * Environment variables the vLLM process needs for a serve config: `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True` for
 * runtime load/unload (trusted networks only), `VLLM_PLUGINS=lora_filesystem_resolver` and
 * `VLLM_LORA_RESOLVER_CACHE_DIR` for the filesystem resolver. Empty when none is needed.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid.
 */
export function toEnv(config: ServeConfigInput): Record<string, string> {
  const c = parseServeConfig(config);
  const env: Record<string, string> = {};
  if (c.runtimeLoraUpdating) env['VLLM_ALLOW_RUNTIME_LORA_UPDATING'] = 'True';
  if (c.resolverCacheDir !== undefined) {
    env['VLLM_PLUGINS'] = 'lora_filesystem_resolver';
    env['VLLM_LORA_RESOLVER_CACHE_DIR'] = c.resolverCacheDir;
  }
  return env;
}
