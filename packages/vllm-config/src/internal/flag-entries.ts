import type { ServeAdapter, ServeConfig } from '../serve-config-schema.js';

/** A `vllm serve` flag and its value: `true` is a bare flag, an array is the flag followed by each item. */
export type FlagEntry = readonly [flag: string, value: string | number | true | readonly string[]];

/**
 * The flags of a parsed config, in a stable order. The single source of argv, the YAML `--config` file and the
 * container args, so they cannot disagree. Version gating already happened in the schema: a flag the target
 * release lacks is an issue there, never silently emitted here.
 */
export function flagEntries(c: ServeConfig): FlagEntry[] {
  const out: FlagEntry[] = [['served-model-name', c.servedModelName]];
  if (c.host !== undefined) out.push(['host', c.host]);
  out.push(['port', c.port], ['tensor-parallel-size', c.tensorParallelSize]);
  if (c.maxModelLen !== undefined) out.push(['max-model-len', c.maxModelLen]);
  out.push(
    ['gpu-memory-utilization', c.gpuMemoryUtilization],
    ['enable-lora', true],
    ['max-loras', c.lora.maxLoras],
    ['max-lora-rank', c.lora.maxLoraRank],
    ['max-cpu-loras', c.lora.maxCpuLoras],
    ['lora-dtype', c.lora.loraDtype],
  );
  if (c.lora.fullyShardedLoras) out.push(['fully-sharded-loras', true]);
  if (c.lora.targetModules !== undefined) out.push(['lora-target-modules', c.lora.targetModules]);
  if (c.lora.enableLoraBias) out.push(['enable-lora-bias', true]);
  if (c.lora.extraVocabSize !== undefined) out.push(['lora-extra-vocab-size', c.lora.extraVocabSize]);
  // One flag with every item: vLLM's argparse keeps only the last occurrence of a repeated --lora-modules.
  if (c.adapters.length > 0) out.push(['lora-modules', c.adapters.map(loraModuleItem)]);
  return out;
}

/**
 * Whether an adapter needs the JSON item form. vLLM reads an item as `name=path` only when it holds "=" and no
 * ","; it splits on "=" expecting two parts, and parses anything else as JSON. base_model_name has no short form.
 */
export function needsJsonForm(a: Pick<ServeAdapter, 'name' | 'path' | 'baseModelName'>): boolean {
  return a.path.includes('=') || a.path.includes(',') || a.name.includes(',') || a.baseModelName !== undefined;
}

/** `name=path`, or `{"name","path","base_model_name"}` JSON when {@link needsJsonForm}. */
export function loraModuleItem(a: ServeAdapter): string {
  if (!needsJsonForm(a)) return `${a.name}=${a.path}`;
  return JSON.stringify(
    a.baseModelName === undefined
      ? { name: a.name, path: a.path }
      : { name: a.name, path: a.path, base_model_name: a.baseModelName },
  );
}
