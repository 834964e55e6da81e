import { flagEntries } from './internal/flag-entries.js';
import { parseServeConfig, type ServeConfigInput } from './serve-config-schema.js';

/**
 * The arguments of `vllm serve` (the model positional first, then flags) for a serve config. Pass them to
 * `spawn('vllm', ['serve', ...args])` or as container args with `vllm serve` as entrypoint.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid.
 * @example
 * toServeArgs({ model: 'Qwen/Qwen2.5-7B-Instruct', adapters: [{ name: 'legal', path: '/adapters/legal', rank: 16 }] });
 * // ['Qwen/Qwen2.5-7B-Instruct', '--served-model-name', 'Qwen/Qwen2.5-7B-Instruct', ..., '--lora-modules', 'legal=/adapters/legal']
 */
export function toServeArgs(config: ServeConfigInput): string[] {
  const c = parseServeConfig(config);
  const args = [c.model];
  for (const [flag, value] of flagEntries(c)) {
    args.push(`--${flag}`);
    if (value === true) continue;
    if (Array.isArray(value)) args.push(...(value as readonly string[]));
    else args.push(String(value));
  }
  return args;
}
