import { Document } from 'yaml';
import { flagEntries } from './internal/flag-entries.js';
import { parseServeConfig, type ServeConfigInput } from './serve-config-schema.js';

/**
 * The YAML file for `vllm serve <model> --config <file>`: keys are long flag names without `--`, `true` is a bare
 * flag, lists are the flag followed by each item. `lora-modules` items are strings (`name=path` or JSON text):
 * vLLM fails on a YAML mapping there. The model stays on the command line (older releases do not read it from
 * the file); the header comment says so.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid.
 */
export function toServeYaml(config: ServeConfigInput): string {
  const c = parseServeConfig(config);
  const body: Record<string, unknown> = {};
  for (const [flag, value] of flagEntries(c)) body[flag] = Array.isArray(value) ? [...(value as readonly string[])] : value;
  const doc = new Document(body);
  doc.commentBefore = ` vLLM ${c.vllmVersion} serve config. Run: vllm serve ${c.model} --config <this file>`;
  return doc.toString({ lineWidth: 0 });
}
