import { describe, expect, it } from 'vitest';
import { formatBytes, MODEL_SHAPES, planMemory } from './index.js';

const LLAMA = 'meta-llama/Meta-Llama-3-8B-Instruct';

describe('planMemory', () => {
  it('computes slots × rank × Σ(in+out) × layers × dtype bytes for Llama-3-8B', () => {
    const plan = planMemory({ model: LLAMA, lora: { maxLoras: 4, maxLoraRank: 16 } }, LLAMA);
    // q 4096+4096, k/v 4096+1024, o 4096+4096, gate/up 4096+14336, down 14336+4096
    expect(plan.sumDims).toBe(8192 + 5120 + 5120 + 8192 + 18432 * 3);
    expect(plan.perSlotBytes).toBe(16 * 81920 * 32 * 2);
    expect(plan.totalBytes).toBe(4 * 83_886_080);
    expect(plan.summary).toBe('4 slots × rank 16 × 81920 (Σ in+out, 7 modules) × 32 layers × 2 B (bfloat16) = 320.0 MiB (80.0 MiB per slot)');
  });

  it('sizes for --max-lora-rank and only the --lora-target-modules projections (packed names expand)', () => {
    const all = planMemory({ model: 'm', lora: { maxLoraRank: 64 } }, 'Qwen/Qwen2.5-7B');
    const attn = planMemory({ model: 'm', lora: { maxLoraRank: 64, targetModules: ['qkv_proj', 'o_proj'] } }, 'Qwen/Qwen2.5-7B');
    expect(attn.modules.map((m) => m.name)).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj']);
    // Qwen2.5-7B: q 3584+3584, k/v 3584+512, o 3584+3584
    expect(attn.sumDims).toBe(7168 + 4096 + 4096 + 7168);
    expect(attn.totalBytes).toBeLessThan(all.totalBytes);
    expect(all.rank).toBe(64);
  });

  it('doubles with a float32 LoRA dtype and splits per GPU with tensor parallelism', () => {
    const shape = { ...MODEL_SHAPES['mistralai/Mistral-7B-v0.1']!, dtype: 'float32' as const };
    const plan = planMemory({ model: 'm', tensorParallelSize: 2 }, shape);
    const half = planMemory({ model: 'm', tensorParallelSize: 2, lora: { loraDtype: 'bfloat16' } }, shape);
    expect(plan.totalBytes).toBe(2 * half.totalBytes);
    expect(plan.summary).toContain('per GPU');
  });

  it('per GPU, keeps the unsplit half of each LoRA pair whole, as vLLM allocates it; fully sharded LoRAs split both', () => {
    const config = { model: 'meta-llama/Meta-Llama-3-8B-Instruct', tensorParallelSize: 2, lora: { maxLoras: 1, maxLoraRank: 1 as const } };
    const plan = planMemory(config, 'meta-llama/Meta-Llama-3-8B');
    // q 4096+2048, k and v 4096+512 each, gate and up 4096+7168 each (lora_A whole, lora_B split); o 2048+4096 and
    // down 7168+4096 (lora_A split, lora_B whole). Before: 81920 / 2 = 40960, a third too low.
    expect(plan.perGpuBytes).toBe(55_296 * 32 * 2);
    const sharded = planMemory({ ...config, lora: { ...config.lora, fullyShardedLoras: true } }, 'meta-llama/Meta-Llama-3-8B');
    expect(sharded.perGpuBytes).toBe(sharded.totalBytes / 2);
    expect(planMemory({ ...config, tensorParallelSize: 1 }, 'meta-llama/Meta-Llama-3-8B').perGpuBytes).toBe(plan.totalBytes);
  });

  it('refuses unknown models instead of guessing', () => {
    expect(() => planMemory({ model: 'm' }, 'acme/unknown-7b')).toThrow(expect.objectContaining({ code: 'VLLM_MODEL_SHAPE_UNKNOWN' }));
  });

  it('formats bytes with binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(83_886_080)).toBe('80.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
