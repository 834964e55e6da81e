import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePeftConfig } from '@lorakit/adapter-metadata';
import { VllmConfigError } from './errors.js';
import { loraRanks } from './internal/lora-tensors.js';
import { readSafetensorsHeader } from './read-safetensors-header.js';

/**
 * The rank an adapter directory needs from `--max-lora-rank`: the largest of `r`, the `rank_pattern` values and
 * the rank of every `lora_A` tensor (its first dimension, or its second in a pair stored transposed, as
 * {@link checkAdapter} reads it; from the safetensors header only). Fill `adapters[].rank`
 * with it so `ServeConfigSchema` derives a `--max-lora-rank` that vLLM accepts. Without `adapter_model.safetensors`
 * the config alone decides; undefined when the directory has neither a readable config nor safetensors weights;
 * run {@link checkAdapter} to learn why.
 * @throws VllmConfigError `VLLM_SAFETENSORS_INVALID` when `adapter_model.safetensors` exists but is malformed (what
 * `checkAdapter` reports as `weights_invalid`); `VLLM_ADAPTER_UNREADABLE` when `dir` is no directory (a mistyped
 * path must not pass as an adapter without a rank), and on I/O errors other than a missing file in it.
 * @example
 * const adapters = await Promise.all(dirs.map(async ([name, path]) => ({ name, path, rank: await readAdapterRank(path) })));
 */
export async function readAdapterRank(dir: string): Promise<number | undefined> {
  const isDirectory = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDirectory) throw new VllmConfigError('VLLM_ADAPTER_UNREADABLE', `no adapter directory at ${dir}`);
  let rank = 0;
  let text: string | undefined;
  try {
    text = await readFile(join(dir, 'adapter_config.json'), 'utf8');
  } catch (cause) {
    if ((cause as { code?: unknown }).code !== 'ENOENT') {
      throw new VllmConfigError('VLLM_ADAPTER_UNREADABLE', `cannot read ${join(dir, 'adapter_config.json')}: ${(cause as Error).message}`, { cause });
    }
  }
  const peft = text === undefined ? undefined : parsePeftConfig(text);
  if (peft?.success === true) rank = Math.max(peft.data.r ?? 0, ...Object.values(peft.data.rank_pattern ?? {}));
  // Only a missing weights file falls back to the config: a corrupt one is what vLLM fails on, and a rank read
  // from the config beside it would hide that.
  try {
    for (const r of loraRanks((await readSafetensorsHeader(join(dir, 'adapter_model.safetensors'))).tensors)) rank = Math.max(rank, r);
  } catch (error) {
    if (((error as { cause?: { code?: unknown } }).cause?.code) !== 'ENOENT') throw error;
  }
  return rank > 0 ? rank : undefined;
}
