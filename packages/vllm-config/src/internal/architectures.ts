const LLAMA_STYLE = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/**
 * Module names (as PEFT writes them) that vLLM applies LoRA to, per architecture. Phi-3 fuses its projections in
 * the checkpoint itself, so adapters trained on it name the fused modules.
 */
const TABLE: Readonly<Record<string, readonly string[]>> = {
  LlamaForCausalLM: LLAMA_STYLE,
  MistralForCausalLM: LLAMA_STYLE,
  Qwen2ForCausalLM: LLAMA_STYLE,
  Qwen3ForCausalLM: LLAMA_STYLE,
  GemmaForCausalLM: LLAMA_STYLE,
  Gemma2ForCausalLM: LLAMA_STYLE,
  Gemma3ForCausalLM: LLAMA_STYLE,
  Phi3ForCausalLM: ['qkv_proj', 'o_proj', 'gate_up_proj', 'down_proj'],
};

// Hub model names (the part after the organisation, lower-cased) of the families above, from each model's
// config.json `architectures`. Multimodal, MoE and vision siblings have other classes (Gemma3ForConditionalGeneration
// for gemma-3-4b and larger, Qwen2MoeForCausalLM/Qwen3MoeForCausalLM for the "-a<N>b" models, Mllama for
// Llama-3.2-Vision, Phi3Small/PhiMoE), so they are excluded and stay unknown rather than guessed.
const NAME_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/^(?:meta-)?llama-(?:2|3|3\.1|3\.2|3\.3)-\d+b(?:-|$)/, 'LlamaForCausalLM'],
  [/^mistral-7b-/, 'MistralForCausalLM'],
  [/^qwen(?:1\.5|2|2\.5)-(?:math-|coder-)?[\d.]+b(?:-|$)/, 'Qwen2ForCausalLM'],
  [/^qwen3-[\d.]+b(?:-|$)/, 'Qwen3ForCausalLM'],
  [/^gemma-(?:1\.1-)?[27]b(?:-|$)/, 'GemmaForCausalLM'],
  [/^gemma-2-\d+b(?:-|$)/, 'Gemma2ForCausalLM'],
  [/^gemma-3-(?:1b|270m)(?:-|$)/, 'Gemma3ForCausalLM'],
  [/^phi-3(?:\.5)?-(?:mini|medium)-/, 'Phi3ForCausalLM'],
];
const EXCLUDED = /vision|-vl-|-a\d+(?:\.\d+)?b(?:-|$)/;

/**
 * The architecture of a Hub model id by its name (`google/gemma-3-1b-it` → Gemma3ForCausalLM; forks such as
 * `unsloth/Llama-3.2-1B` too), for the families of the table; undefined for anything else.
 */
export function architectureOfModelName(model: string): string | undefined {
  const name = model.toLowerCase().split('/').at(-1) ?? '';
  if (EXCLUDED.test(name)) return undefined;
  for (const [pattern, architecture] of NAME_PATTERNS) if (pattern.test(name)) return architecture;
  return undefined;
}

/** Embedding / output-head LoRA (`lora_embedding_A/B`, lm_head lora_A/B); vLLM 0.12 only dropped the extra vocabulary. */
export const EMBEDDING_MODULES: readonly string[] = ['embed_tokens', 'lm_head'];

/**
 * Architectures whose vLLM class declares `embedding_modules`, the condition for LoRA on embed_tokens and lm_head:
 * LlamaForCausalLM, which also serves Mistral, and Phi-3's subclass of it. Qwen2's class declares none (a Qwen2.5
 * adapter with lm_head fails with "expected target modules in ..."); Qwen3 gained them in a late release; Gemma ties
 * its embeddings.
 */
const EMBEDDING_LORA: ReadonlySet<string> = new Set(['LlamaForCausalLM', 'MistralForCausalLM', 'Phi3ForCausalLM']);

/** Whether vLLM serves LoRA on embed_tokens and lm_head for an architecture of the table. */
export function servesEmbeddingLora(architecture: string): boolean {
  return EMBEDDING_LORA.has(architecture);
}

/** Architectures of the table, for messages. */
export const KNOWN_ARCHITECTURES: readonly string[] = Object.keys(TABLE);

/** Modules vLLM serves LoRA on for an architecture, or undefined when the architecture is not in the table. */
export function loraModulesFor(architecture: string): readonly string[] | undefined {
  return TABLE[architecture];
}

// vLLM merges these projections into one layer and applies --lora-target-modules to the merged name.
const PACKED: Readonly<Record<string, string>> = {
  q_proj: 'qkv_proj', k_proj: 'qkv_proj', v_proj: 'qkv_proj', gate_proj: 'gate_up_proj', up_proj: 'gate_up_proj',
};

/** True when vLLM's deploy-time `--lora-target-modules` restriction keeps LoRA on this adapter module. */
export function allowedByDeployRestriction(module: string, restriction: readonly string[]): boolean {
  const packed = PACKED[module];
  return restriction.includes(module) || (packed !== undefined && restriction.includes(packed));
}
