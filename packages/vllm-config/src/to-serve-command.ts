import { shellQuote } from './internal/shell-quote.js';
import type { ServeConfigInput } from './serve-config-schema.js';
import { toEnv } from './to-env.js';
import { toServeArgs } from './to-serve-args.js';

/**
 * A POSIX-shell command line `[VAR=value ...] vllm serve <model> --flag ...` with every word quoted where needed,
 * so JSON `--lora-modules` items and paths with spaces survive the shell.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid.
 * @example
 * toServeCommand({ model: 'mistralai/Mistral-7B-Instruct-v0.3', adapters: [{ name: 'med', path: '/a/med', rank: 8 }] });
 * // "vllm serve mistralai/Mistral-7B-Instruct-v0.3 --served-model-name ... --lora-modules med=/a/med"
 */
export function toServeCommand(config: ServeConfigInput): string {
  const env = Object.entries(toEnv(config)).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return [...env, 'vllm', 'serve', ...toServeArgs(config).map(shellQuote)].join(' ');
}
