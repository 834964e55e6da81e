import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAdapter, formatServabilityReport, parseServeConfig, readAdapterRank, type ServabilityReport, type ServeConfigInput } from './index.js';
import { loraTensors, writeSafetensors } from '../test/safetensors-fixture.js';

const LLAMA = 'meta-llama/Meta-Llama-3-8B-Instruct';
const serve: ServeConfigInput = { model: LLAMA, lora: { maxLoraRank: 16 } };
// [in, out] of Llama-3-8B's projections (hidden 4096, 8 KV heads of 128, MLP 14336).
const LLAMA_DIMS: Record<string, [number, number]> = {
  q_proj: [4096, 4096], k_proj: [4096, 1024], v_proj: [4096, 1024], o_proj: [4096, 4096],
  gate_proj: [4096, 14336], up_proj: [4096, 14336], down_proj: [14336, 4096],
};
const llamaDims = (modules: string[]): Record<string, [number, number]> => Object.fromEntries(modules.map((m) => [m, LLAMA_DIMS[m] ?? [64, 32]]));

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vllm-check-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Fixture {
  config?: Record<string, unknown> | null;
  tensors?: { name: string; shape: number[] }[] | null;
  rank?: number;
  modules?: string[];
  bin?: boolean;
  metadata?: Record<string, unknown>;
}

/** A PEFT adapter directory: adapter_config.json + adapter_model.safetensors (zero-filled) + optional metadata. */
async function adapter(f: Fixture = {}): Promise<string> {
  const dir = join(root, `a${counter++}`);
  await mkdir(dir);
  const rank = f.rank ?? 16;
  const modules = f.modules ?? ['q_proj', 'v_proj'];
  if (f.config !== null) {
    const config = { peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: LLAMA, r: rank, lora_alpha: 2 * rank, target_modules: modules, bias: 'none', ...f.config };
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2));
  }
  const dims = llamaDims(modules);
  if (f.tensors !== null) await writeSafetensors(join(dir, 'adapter_model.safetensors'), f.tensors ?? loraTensors({ layers: 2, rank, modules: dims }));
  if (f.bin === true) await writeFile(join(dir, 'adapter_model.bin'), Buffer.alloc(16));
  if (f.metadata !== undefined) await writeFile(join(dir, 'adapter_metadata.json'), JSON.stringify(f.metadata, null, 2));
  return dir;
}

const codes = (r: ServabilityReport, severity: 'error' | 'warning') => r.problems.filter((p) => p.severity === severity).map((p) => p.code);

describe('checkAdapter: a servable adapter', () => {
  it('passes, with tensors listed, the true rank from lora_A and the architecture from the model table', async () => {
    const dir = await adapter({
      metadata: { adapter_id: 'legal-de', base_model: { name: LLAMA, architecture: 'LlamaForCausalLM' }, training: { lora_rank: 16, target_modules: ['q_proj', 'v_proj'] } },
    });
    const r = await checkAdapter(dir, serve);
    expect(r.problems).toEqual([]);
    expect(r.servable).toBe(true);
    expect(r).toMatchObject({ trueRank: 16, declaredRank: 16, architecture: 'LlamaForCausalLM', modules: ['q_proj', 'v_proj'], weightsFile: 'adapter_model.safetensors' });
    expect(r.tensors).toHaveLength(8);
    expect(r.tensors[0]).toMatchObject({ name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', shape: [16, 4096] });
    expect(formatServabilityReport(r)).toContain(': SERVABLE');
  });
});

describe('checkAdapter: each rejection cause', () => {
  it('rank above --max-lora-rank, with the vLLM message, from r or rank_pattern', async () => {
    const high = await checkAdapter(await adapter({ rank: 64 }), serve);
    expect(high.servable).toBe(false);
    expect(high.problems.find((p) => p.code === 'rank_too_high')?.message).toContain('LoRA rank 64 is greater than max_lora_rank 16');
    const pattern = await checkAdapter(await adapter({ config: { r: 8, rank_pattern: { q_proj: 32 } }, rank: 8 }), serve);
    expect(pattern.declaredRank).toBe(32);
    expect(codes(pattern, 'error')).toContain('rank_too_high');
    expect((await checkAdapter(await adapter({ rank: 64 }), { model: LLAMA, adapters: [{ name: 'x', path: '/x', rank: 64 }] })).servable).toBe(true);
    // A serve config that leaves max_lora_rank unset gets it from the adapter (lorakit vllm config): servable, with a
    // warning naming the flag vLLM's default (16) needs. Before: NOT SERVABLE, and lorakit vllm config refused it.
    const unset = await checkAdapter(await adapter({ rank: 64 }), { model: LLAMA });
    expect(unset.servable).toBe(true);
    expect(unset.problems).toEqual([expect.objectContaining({ code: 'rank_too_high', severity: 'warning', message: expect.stringContaining('serve with --max-lora-rank 64') })]);
    const huge = await checkAdapter(await adapter({ config: { r: 8, rank_pattern: { q_proj: 600 } }, rank: 8 }), { model: LLAMA });
    expect(huge.problems.find((p) => p.code === 'rank_too_high')).toMatchObject({ severity: 'error', message: expect.stringContaining('above 512') });
  });

  it('true rank from lora_A shapes beats a wrong r in the config', async () => {
    const r = await checkAdapter(await adapter({ rank: 32, config: { r: 8, lora_alpha: 16 } }), serve);
    expect(r).toMatchObject({ trueRank: 32, declaredRank: 8 });
    expect(codes(r, 'warning')).toContain('rank_mismatch');
    expect(codes(r, 'error')).toContain('rank_too_high');
  });

  it('a safetensors file without tensors is an error, not a servable no-op', async () => {
    const r = await checkAdapter(await adapter({ tensors: [] }), serve);
    expect(r.servable).toBe(false);
    expect(codes(r, 'error')).toEqual(['weights_invalid']);
    expect(r.problems[0]?.message).toContain('holds no tensors');
  });

  it('DoRA: use_dora and lora_magnitude_vector tensors', async () => {
    const tensors = [...loraTensors({ layers: 1, rank: 8, modules: llamaDims(['q_proj']) }), { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector', shape: [64] }];
    const r = await checkAdapter(await adapter({ rank: 8, modules: ['q_proj'], config: { use_dora: true }, tensors }), serve);
    expect(codes(r, 'error')).toEqual(['dora', 'non_lora_tensor']);
    expect(r.problems[1]?.message).toContain('lora_magnitude_vector');
  });

  it('bias other than "none" and lora_bias (with its lora_B.bias tensors)', async () => {
    expect(codes(await checkAdapter(await adapter({ config: { bias: 'all' } }), serve), 'error')).toEqual(['bias']);
    const tensors = [...loraTensors({ layers: 1, rank: 16, modules: llamaDims(['q_proj', 'v_proj']) }), { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias', shape: [64] }];
    const r = await checkAdapter(await adapter({ config: { lora_bias: true }, tensors }), serve);
    expect(codes(r, 'error')).toEqual(['lora_bias']);
    const noFlag = await checkAdapter(await adapter({ tensors }), serve);
    expect(codes(noFlag, 'error')).toEqual(['non_lora_tensor']);
    expect(noFlag.problems[0]?.message).toContain('LoRA bias tensors');
  });

  it('names vLLM refuses (lora_A.default.weight) are an error; the base weights of embedding layers, which vLLM skips, are none', async () => {
    const named = loraTensors({ layers: 1, rank: 16, modules: llamaDims(['q_proj', 'v_proj']) }).map((t) => ({ ...t, name: t.name.replace(/\.(lora_[AB])\.weight$/, '.$1.default.weight') }));
    // Before: SERVABLE; vLLM raises "... is unsupported LoRA weight" and the server does not start.
    const r = await checkAdapter(await adapter({ tensors: named }), serve);
    expect(codes(r, 'error')).toEqual(['non_lora_tensor']);
    expect(r.problems[0]?.message).toContain('lora_A.default.weight');
    const base = [
      ...loraTensors({ layers: 1, rank: 16, modules: llamaDims(['q_proj', 'v_proj']) }),
      { name: 'base_model.model.model.embed_tokens.base_layer.weight', shape: [100, 64] },
      { name: 'base_model.model.lm_head.base_layer.weight', shape: [100, 64] },
    ];
    // Before: refused as "a full embed_tokens weight".
    expect(codes(await checkAdapter(await adapter({ tensors: base }), serve), 'error')).toEqual([]);
  });

  it('modules_to_save with full lm_head / embed_tokens weights; a lone score head is only a warning', async () => {
    const tensors = [
      ...loraTensors({ layers: 1, rank: 16, modules: llamaDims(['q_proj', 'v_proj']) }),
      { name: 'base_model.model.lm_head.modules_to_save.default.weight', shape: [100, 64] },
      { name: 'base_model.model.model.embed_tokens.weight', shape: [100, 64] },
    ];
    const r = await checkAdapter(await adapter({ config: { modules_to_save: ['lm_head', 'embed_tokens'] }, tensors }), serve);
    expect(codes(r, 'error')).toEqual(['modules_to_save', 'non_lora_tensor', 'non_lora_tensor']);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/full lm_head weight[\s\S]*full embed_tokens weight/);
    const score = await checkAdapter(await adapter({ config: { modules_to_save: ['score'] } }), serve);
    expect(score.servable).toBe(true);
    expect(codes(score, 'warning')).toContain('modules_to_save');
  });

  it('trainable-token deltas', async () => {
    const tensors = [...loraTensors({ layers: 1, rank: 16, modules: llamaDims(['q_proj', 'v_proj']) }), { name: 'base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta', shape: [2, 64] }];
    const r = await checkAdapter(await adapter({ tensors }), serve);
    expect(r.problems[0]?.message).toContain('trainable_tokens_delta');
  });

  it('warns when rank_pattern/alpha_pattern give a module a scale of its own, which older vLLM releases ignore', async () => {
    const own = await checkAdapter(await adapter({ config: { r: 16, lora_alpha: 32, rank_pattern: { q_proj: 32 } }, rank: 16 }), { model: LLAMA });
    expect(own.problems.find((p) => p.code === 'config_warning')?.message).toContain('q_proj (1, not 2)');
    // The same scale as the adapter's: nothing to warn of.
    const same = await checkAdapter(await adapter({ config: { r: 16, lora_alpha: 32, rank_pattern: { q_proj: 32 }, alpha_pattern: { q_proj: 64 } }, rank: 16 }), { model: LLAMA });
    expect(same.problems.filter((p) => p.code === 'config_warning')).toEqual([]);
  });

  it('what only PEFT refuses on loading (an unknown task_type) is a warning: vLLM does not check it', async () => {
    const r = await checkAdapter(await adapter({ config: { task_type: 'causal_lm', layers_pattern: 'layers', layers_to_transform: 0 } }), serve);
    expect(r.servable).toBe(true);
    expect(r.problems.filter((p) => p.code === 'config_warning').map((p) => p.where)).toEqual([
      'adapter_config.json#/task_type',
      'adapter_config.json#/layers_pattern',
    ]);
  });

  it('LoRA variants vLLM does not serve: QALoRA, aLoRA, layer replication, BD-LoRA', async () => {
    const variants = [{ use_qalora: true }, { alora_invocation_tokens: [32, 45] }, { layer_replication: [[0, 4], [2, 5]] }, { use_bdlora: { block_size: 4 } }];
    // Before: SERVABLE; vLLM's PEFTHelper refuses each, so the server does not start.
    for (const config of variants) expect(codes(await checkAdapter(await adapter({ config }), serve), 'error')).toEqual(['lora_variant']);
    const defaults = { use_qalora: false, alora_invocation_tokens: null, layer_replication: null, use_bdlora: null };
    expect((await checkAdapter(await adapter({ config: defaults }), serve)).servable).toBe(true);
  });

  it('PiSSA / OLoRA / CorDA / LoftQ initialisation', async () => {
    for (const init of ['pissa_niter_4', 'olora', 'corda', 'loftq']) {
      // PEFT itself refuses loftq without its loftq_config.
      const config = init === 'loftq' ? { init_lora_weights: init, loftq_config: { loftq_bits: 4 } } : { init_lora_weights: init };
      expect(codes(await checkAdapter(await adapter({ config }), serve), 'error')).toEqual(['init_lora_weights']);
    }
    expect((await checkAdapter(await adapter({ config: { init_lora_weights: 'gaussian' } }), serve)).servable).toBe(true);
  });

  it('missing r, lora_alpha or target_modules', async () => {
    const r = await checkAdapter(await adapter({ config: { r: undefined, lora_alpha: undefined, target_modules: undefined } }), serve);
    expect(r.problems.filter((p) => p.code === 'missing_field').map((p) => p.where)).toEqual([
      'adapter_config.json#/r', 'adapter_config.json#/lora_alpha', 'adapter_config.json#/target_modules',
    ]);
    // "target_modules": null (PEFT's own files, e.g. metamathqa-lora-rank32-dora): vLLM only needs the key and loads
    // what the weights adapt, so it is servable, with a warning.
    const nulled = await checkAdapter(await adapter({ config: { target_modules: null } }), serve);
    expect(nulled.servable).toBe(true);
    expect(nulled.problems.filter((p) => p.code === 'missing_field').map((p) => [p.severity, p.where])).toEqual([['warning', 'adapter_config.json#/target_modules']]);
  });

  it('no adapter_config.json, a non-LoRA config, no weights, or only a .bin', async () => {
    expect(codes(await checkAdapter(await adapter({ config: null }), serve), 'error')).toEqual(['config_missing']);
    expect(codes(await checkAdapter(await adapter({ config: { peft_type: 'IA3' } }), serve), 'error')).toEqual(['config_invalid']);
    expect(codes(await checkAdapter(await adapter({ tensors: null }), serve), 'error')).toEqual(['weights_missing']);
    const bin = await checkAdapter(await adapter({ tensors: null, bin: true }), serve);
    expect(bin.servable).toBe(true);
    expect(codes(bin, 'warning')).toEqual(['weights_unchecked']);
  });

  it('a base model other than the served one; the same model by another path only warns', async () => {
    const other = await checkAdapter(await adapter({ config: { base_model_name_or_path: 'Qwen/Qwen2.5-7B-Instruct' } }), serve);
    expect(other.problems.find((p) => p.code === 'base_model_mismatch')).toMatchObject({ severity: 'error' });
    const local = await checkAdapter(await adapter({ config: { base_model_name_or_path: '/models/Meta-Llama-3-8B-Instruct' } }), serve);
    expect(local.problems.find((p) => p.code === 'base_model_mismatch')).toMatchObject({ severity: 'warning' });
    const resolver = await checkAdapter(await adapter({ config: { base_model_name_or_path: '/models/Meta-Llama-3-8B-Instruct' } }), { ...serve, resolverCacheDir: '/loras' });
    expect(resolver.problems.find((p) => p.code === 'base_model_mismatch')).toMatchObject({ severity: 'error' });
  });

  it('target modules the architecture cannot serve; unknown architecture is said, not guessed', async () => {
    const fused = await checkAdapter(await adapter({ modules: ['qkv_proj', 'o_proj'] }), serve);
    const problem = fused.problems.find((p) => p.code === 'unsupported_target_module');
    expect(problem?.message).toContain('expected target modules in');
    expect(problem?.message).toContain('"qkv_proj"');
    const phi = await checkAdapter(await adapter({ modules: ['qkv_proj', 'o_proj'], config: { base_model_name_or_path: 'microsoft/Phi-3-mini-4k-instruct' } }), { model: 'microsoft/Phi-3-mini-4k-instruct', architecture: 'Phi3ForCausalLM' });
    expect(phi.servable).toBe(true);
    const unknown = await checkAdapter(await adapter({ config: { base_model_name_or_path: 'acme/secret-7b' } }), { model: 'acme/secret-7b' });
    expect(unknown.problems.find((p) => p.code === 'unknown_architecture')?.message).toMatch(/^unknown architecture/);
    expect(unknown.servable).toBe(true);
  });

  it('embedding LoRA (lora_embedding_A/B) is LoRA, and its rank counts', async () => {
    const tensors = [
      ...loraTensors({ layers: 1, rank: 8, modules: llamaDims(['q_proj', 'v_proj']) }),
      { name: 'base_model.model.model.embed_tokens.lora_embedding_A', shape: [32, 100] },
      { name: 'base_model.model.model.embed_tokens.lora_embedding_B', shape: [64, 32] },
    ];
    const r = await checkAdapter(await adapter({ rank: 8, modules: ['q_proj', 'v_proj', 'embed_tokens'], tensors }), serve);
    expect(r.modules).toEqual(['embed_tokens', 'q_proj', 'v_proj']);
    expect(r.trueRank).toBe(32);
    expect(codes(r, 'error')).toEqual(['rank_too_high']);
    expect(codes(r, 'warning')).not.toContain('unsupported_target_module');
    // Qwen2's vLLM class declares no embedding modules: before, this passed without a word.
    const qwen = await checkAdapter(await adapter({ rank: 8, modules: ['q_proj', 'v_proj', 'embed_tokens'], tensors }), { ...serve, architecture: 'Qwen2ForCausalLM' });
    expect(qwen.problems.find((p) => p.code === 'unsupported_target_module')).toMatchObject({ severity: 'warning', message: expect.stringContaining('["embed_tokens"]') });
  });

  it('knows the architecture of canonical Hub ids of the known families, and leaves their multimodal and MoE siblings unknown', async () => {
    const known: Record<string, string> = {
      'microsoft/Phi-3-mini-4k-instruct': 'Phi3ForCausalLM',
      'microsoft/Phi-3.5-mini-instruct': 'Phi3ForCausalLM',
      'google/gemma-3-1b-it': 'Gemma3ForCausalLM',
      'google/gemma-2-9b-it': 'Gemma2ForCausalLM',
      'google/gemma-7b': 'GemmaForCausalLM',
      'Qwen/Qwen2.5-Math-1.5B': 'Qwen2ForCausalLM',
      'Qwen/Qwen2.5-Coder-7B-Instruct': 'Qwen2ForCausalLM',
      'Qwen/Qwen3-8B': 'Qwen3ForCausalLM',
      'meta-llama/Llama-3.2-1B': 'LlamaForCausalLM',
      'meta-llama/Llama-2-7b-hf': 'LlamaForCausalLM',
      'unsloth/Llama-3.2-1B-Instruct': 'LlamaForCausalLM',
      'mistralai/Mistral-7B-Instruct-v0.3': 'MistralForCausalLM',
    };
    for (const [model, architecture] of Object.entries(known)) {
      const r = await checkAdapter(await adapter({ config: { base_model_name_or_path: model } }), { model });
      expect(r.architecture, model).toBe(architecture);
      expect(r.problems.map((p) => p.code), model).not.toContain('unknown_architecture');
    }
    for (const model of ['google/gemma-3-4b-it', 'Qwen/Qwen3-30B-A3B', 'Qwen/Qwen2-VL-7B-Instruct', 'meta-llama/Llama-3.2-11B-Vision-Instruct', 'microsoft/Phi-3-small-8k-instruct']) {
      const r = await checkAdapter(await adapter({ config: { base_model_name_or_path: model } }), { model });
      expect(r.architecture, model).toBeUndefined();
    }
  });

  it('takes the architecture from adapter_metadata.json when the served model is not in the shape table', async () => {
    const base = 'Qwen/Qwen3-8B';
    const dir = await adapter({ config: { base_model_name_or_path: base }, metadata: { adapter_id: 'q', base_model: { name: base, architecture: 'Qwen3ForCausalLM' }, training: { lora_rank: 16, target_modules: ['q_proj', 'v_proj'] } } });
    const r = await checkAdapter(dir, { model: base });
    expect(r.architecture).toBe('Qwen3ForCausalLM');
    expect(r.problems).toEqual([]);
  });

  it('a --lora-target-modules restriction disjoint from the adapter makes vLLM serve base-model output', async () => {
    const dir = await adapter({ modules: ['q_proj', 'v_proj'] });
    const disjoint = await checkAdapter(dir, { model: LLAMA, lora: { targetModules: ['o_proj'] } });
    expect(disjoint.problems.find((p) => p.code === 'target_modules_disjoint')?.message).toContain('base-model output');
    expect((await checkAdapter(dir, { model: LLAMA, lora: { targetModules: ['qkv_proj'] } })).problems).toEqual([]);
  });

  it('cross-checks adapter_metadata.json against adapter_config.json', async () => {
    const r = await checkAdapter(await adapter({ metadata: { adapter_id: 'm', base_model: { name: 'mistralai/Mistral-7B-v0.1' }, training: { lora_rank: 8, target_modules: ['q_proj'] } } }), serve);
    expect(r.problems.filter((p) => p.code === 'metadata_mismatch').map((p) => p.where)).toEqual([
      'adapter_metadata.json#/training/lora_rank', 'adapter_metadata.json#/training/target_modules', 'adapter_metadata.json#/base_model',
    ]);
    expect(r.servable).toBe(true);
  });

  it('throws VLLM_ADAPTER_UNREADABLE for a missing directory', async () => {
    await expect(checkAdapter(join(root, 'nope'), serve)).rejects.toMatchObject({ code: 'VLLM_ADAPTER_UNREADABLE' });
  });
});

describe('checkAdapter: lora_A/lora_B shapes', () => {
  const layer0 = 'base_model.model.model.layers.0.self_attn';
  const pair = (module: string, a: number[], b: number[]) => [
    { name: `${layer0}.${module}.lora_A.weight`, shape: a },
    { name: `${layer0}.${module}.lora_B.weight`, shape: b },
  ];
  const problem = (r: ServabilityReport, code: string) => r.problems.find((p) => p.code === code);

  it('lora_A and lora_B must agree on the rank; the error names the module and both shapes', async () => {
    const tensors = [...pair('q_proj', [16, 4096], [4096, 64]), ...pair('v_proj', [16, 4096], [1024, 16])];
    const r = await checkAdapter(await adapter({ tensors }), { model: LLAMA, lora: { maxLoraRank: 64 } });
    expect(r.servable).toBe(false);
    expect(codes(r, 'error')).toEqual(['shape_mismatch']);
    expect(problem(r, 'shape_mismatch')?.message).toContain('q_proj: lora_A [16, 4096] and lora_B [4096, 64] disagree on the rank (16 vs 64)');
    expect(problem(r, 'shape_mismatch')?.message).toContain(`(${layer0}.q_proj)`);
  });

  it('in/out must match the served model\'s projections when its shape is known', async () => {
    const tensors = [...pair('q_proj', [16, 4096], [4097, 16]), ...pair('v_proj', [16, 4096], [1025, 16])];
    const r = await checkAdapter(await adapter({ tensors }), serve);
    expect(r.servable).toBe(false);
    const messages = r.problems.filter((p) => p.code === 'shape_mismatch').map((p) => p.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain(`q_proj: ${LLAMA} has q_proj [in 4096, out 4096], so lora_A must be [r, 4096] and lora_B [4096, r], but they are [16, 4096] and [4097, 16]`);
    expect(messages[1]).toContain('v_proj [in 4096, out 1024], so lora_A must be [r, 4096] and lora_B [1024, r], but they are [16, 4096] and [1025, 16]');
    // The same wrong shape in every layer is one problem, counted.
    const many = await checkAdapter(await adapter({ tensors: loraTensors({ layers: 3, rank: 16, modules: { q_proj: [4096, 4000] } }), modules: ['q_proj'] }), serve);
    expect(many.problems.map((p) => p.message)).toEqual([expect.stringContaining(`(${layer0}.q_proj and 2 more)`)]);
    // An unknown model: only the pair is checked.
    const unknown = await checkAdapter(await adapter({ config: { base_model_name_or_path: 'acme/secret-7b' }, tensors }), { model: 'acme/secret-7b' });
    expect(codes(unknown, 'error')).toEqual([]);
  });

  it('a pair stored transposed is reported as such, with its real rank', async () => {
    const tensors = [...pair('q_proj', [4096, 16], [16, 4096]), ...pair('v_proj', [4096, 16], [16, 1024])];
    const r = await checkAdapter(await adapter({ tensors }), serve);
    expect(r.trueRank).toBe(16);
    expect(codes(r, 'error')).toEqual(['transposed_lora', 'transposed_lora']);
    expect(problem(r, 'transposed_lora')?.message).toContain('q_proj: lora_A is [4096, 16] and lora_B [16, 4096], stored transposed (rank 16');
    expect(formatServabilityReport(r)).not.toContain('true rank 4096');
    // Without the model's shape, a "rank" above both the layer's input and output is read as a transposed pair too.
    const unknown = await checkAdapter(await adapter({ config: { base_model_name_or_path: 'acme/secret-7b' }, tensors }), { model: 'acme/secret-7b' });
    expect(codes(unknown, 'error')).toEqual(['transposed_lora', 'transposed_lora']);
    // readAdapterRank reads the same rank, so a --max-lora-rank derived from it is not 4096.
    expect(await readAdapterRank(await adapter({ tensors }))).toBe(16);
  });
});

describe('readAdapterRank', () => {
  it('is the largest of r, rank_pattern and the lora_A shapes, so the derived --max-lora-rank loads', async () => {
    expect(await readAdapterRank(await adapter({ rank: 32, config: { r: 8, lora_alpha: 16 } }))).toBe(32);
    expect(await readAdapterRank(await adapter({ rank: 8, config: { rank_pattern: { q_proj: 64 } } }))).toBe(64);
    expect(await readAdapterRank(await adapter({ rank: 16, tensors: null }))).toBe(16);
    expect(await readAdapterRank(await adapter({ config: null, tensors: null }))).toBeUndefined();
    const path = await adapter({ rank: 48 });
    const config = parseServeConfig({ model: LLAMA, adapters: [{ name: 'a', path, rank: await readAdapterRank(path) }] });
    expect(config.lora.maxLoraRank).toBe(64);
    expect((await checkAdapter(path, config)).servable).toBe(true);
  });

  it('throws VLLM_SAFETENSORS_INVALID for a corrupt weights file instead of falling back to the config, as checkAdapter reports it', async () => {
    const dir = await adapter({ rank: 16 });
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(1_000_000_000n);
    await writeFile(join(dir, 'adapter_model.safetensors'), Buffer.concat([prefix, Buffer.from('{}')]));
    await expect(readAdapterRank(dir)).rejects.toMatchObject({ code: 'VLLM_SAFETENSORS_INVALID', message: expect.stringContaining('adapter_model.safetensors: header length 1000000000') });
    expect(codes(await checkAdapter(dir, serve), 'error')).toEqual(['weights_invalid']);
  });

  it('throws VLLM_ADAPTER_UNREADABLE for a path that is no directory, instead of reading it as an adapter without a rank', async () => {
    const dir = await adapter({ rank: 16 });
    await expect(readAdapterRank(`${dir}-typo`)).rejects.toMatchObject({ code: 'VLLM_ADAPTER_UNREADABLE', message: `no adapter directory at ${dir}-typo` });
    await expect(readAdapterRank(join(dir, 'adapter_config.json'))).rejects.toMatchObject({ code: 'VLLM_ADAPTER_UNREADABLE' });
  });
});
