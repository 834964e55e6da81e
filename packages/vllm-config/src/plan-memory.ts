import { VllmConfigError } from './errors.js';
import { moduleDims } from './internal/module-dims.js';
import { findModelShape, MODEL_SHAPES, type ModelShape } from './model-shapes.js';
import { parseServeConfig, type ServeConfigInput } from './serve-config-schema.js';

/** One targeted projection and its dimensions. */
export interface PlannedModule {
  name: string;
  inDim: number;
  outDim: number;
}

/** What {@link planMemory} returns. All byte counts are exact integers. */
export interface MemoryPlan {
  /** `--max-loras`: GPU slots vLLM pre-allocates. */
  slots: number;
  /** `--max-lora-rank`: every slot is sized for it, whatever the loaded adapter's rank. */
  rank: number;
  dtype: string;
  dtypeBytes: number;
  layers: number;
  modules: PlannedModule[];
  /** Σ (in + out) over the modules of one layer. */
  sumDims: number;
  /** Bytes of one slot: rank × sumDims × layers × dtypeBytes. */
  perSlotBytes: number;
  /** Bytes of all slots: slots × perSlotBytes. */
  totalBytes: number;
  /**
   * Bytes of all slots on each GPU under tensor parallelism: a column-parallel projection (q, k, v, gate, up) splits
   * lora_B across the GPUs and keeps lora_A whole on each, a row-parallel one (o, down) splits lora_A and keeps lora_B
   * whole (vLLM's create_lora_weights); with `fullyShardedLoras` both are split, totalBytes / tensor-parallel size.
   */
  perGpuBytes: number;
  /** One line with units, e.g. `4 slots × rank 16 … = 320.0 MiB (80.0 MiB per slot)`. */
  summary: string;
}

const ALL_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
const PACKED: Readonly<Record<string, readonly string[]>> = {
  qkv_proj: ['q_proj', 'k_proj', 'v_proj'],
  gate_up_proj: ['gate_proj', 'up_proj'],
};
const DTYPE_BYTES: Readonly<Record<string, number>> = { float16: 2, bfloat16: 2, float32: 4 };
/** Row-parallel projections: their input is split across tensor-parallel GPUs; the others split their output. */
const ROW_PARALLEL: ReadonlySet<string> = new Set(['o_proj', 'down_proj']);

/** Formats a byte count with binary units (B, KiB, MiB, GiB, TiB) and one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The GPU memory vLLM pre-allocates for LoRA slots at start-up:
 * `max_loras × max_lora_rank × Σ(in + out of each targeted projection) × layers × dtype bytes`. vLLM sizes every
 * slot for `--max-lora-rank` and for every LoRA-capable projection (all seven of a Llama-style layer, or those of
 * `--lora-target-modules`), whatever the adapters actually use, so raising max rank or max loras costs memory even
 * for small adapters. Embedding/lm_head LoRA and CPU-cached adapters (`--max-cpu-loras`) are not included.
 * @param modelShape a {@link ModelShape} or a Hub id from {@link MODEL_SHAPES} (instruct variants included).
 * @throws VllmConfigError `VLLM_MODEL_SHAPE_UNKNOWN` for an unknown id or a module the shape cannot size.
 * @example
 * planMemory({ model: 'meta-llama/Meta-Llama-3-8B-Instruct', lora: { maxLoras: 4, maxLoraRank: 16 } }, 'meta-llama/Meta-Llama-3-8B').summary;
 * // "4 slots × rank 16 × 81920 (Σ in+out, 7 modules) × 32 layers × 2 B (bfloat16) = 320.0 MiB (80.0 MiB per slot)"
 */
export function planMemory(config: ServeConfigInput, modelShape: ModelShape | string): MemoryPlan {
  const c = parseServeConfig(config);
  const shape = typeof modelShape === 'string' ? findModelShape(modelShape) : modelShape;
  if (shape === undefined) {
    throw new VllmConfigError('VLLM_MODEL_SHAPE_UNKNOWN', `no shape known for "${String(modelShape)}"; pass a ModelShape (known ids: ${Object.keys(MODEL_SHAPES).join(', ')})`);
  }
  const targeted = (c.lora.targetModules ?? ALL_MODULES).flatMap((m) => PACKED[m] ?? [m]);
  const modules: PlannedModule[] = [...new Set(targeted)].map((name) => {
    const d = moduleDims(shape, name);
    if (d === undefined) {
      throw new VllmConfigError('VLLM_MODEL_SHAPE_UNKNOWN', `cannot size module "${name}" for ${shape.architecture}; known: ${ALL_MODULES.join(', ')}, qkv_proj, gate_up_proj`);
    }
    return { name, inDim: d[0], outDim: d[1] };
  });
  const dtype = c.lora.loraDtype === 'auto' ? shape.dtype : c.lora.loraDtype;
  const dtypeBytes = DTYPE_BYTES[dtype] ?? 2;
  const sumDims = modules.reduce((s, m) => s + m.inDim + m.outDim, 0);
  const perSlotBytes = c.lora.maxLoraRank * sumDims * shape.numLayers * dtypeBytes;
  const totalBytes = c.lora.maxLoras * perSlotBytes;
  const tp = c.tensorParallelSize;
  const perGpuDims = c.lora.fullyShardedLoras
    ? sumDims / tp
    : modules.reduce((s, m) => s + (ROW_PARALLEL.has(m.name) ? m.inDim / tp + m.outDim : m.inDim + m.outDim / tp), 0);
  const perGpuBytes = Math.ceil(c.lora.maxLoras * c.lora.maxLoraRank * perGpuDims * shape.numLayers * dtypeBytes);
  const gpuNote = c.tensorParallelSize > 1 ? `, ~${formatBytes(perGpuBytes)} per GPU` : '';
  return {
    slots: c.lora.maxLoras,
    rank: c.lora.maxLoraRank,
    dtype,
    dtypeBytes,
    layers: shape.numLayers,
    modules,
    sumDims,
    perSlotBytes,
    totalBytes,
    perGpuBytes,
    summary: `${c.lora.maxLoras} slots × rank ${c.lora.maxLoraRank} × ${sumDims} (Σ in+out, ${modules.length} modules) × ${shape.numLayers} layers × ${dtypeBytes} B (${dtype}) = ${formatBytes(totalBytes)} (${formatBytes(perSlotBytes)} per slot${gpuNote})`,
  };
}
