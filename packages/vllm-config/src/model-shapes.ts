/** The dimensions of a decoder-only transformer that decide LoRA buffer sizes. */
export interface ModelShape {
  /** Transformers architecture class, e.g. `LlamaForCausalLM`. */
  architecture: string;
  /** Model width (`hidden_size`). */
  hiddenSize: number;
  /** MLP width (`intermediate_size`). */
  intermediateSize: number;
  /** Decoder layers (`num_hidden_layers`). */
  numLayers: number;
  /** Attention heads (`num_attention_heads`). */
  numHeads: number;
  /** Key/value heads (`num_key_value_heads`; fewer than heads under grouped-query attention). */
  numKvHeads: number;
  /** Per-head width; `hiddenSize / numHeads` unless the model says otherwise. */
  headDim: number;
  /** Weight dtype the checkpoint ships in; `--lora-dtype auto` follows it. */
  dtype: 'float16' | 'bfloat16' | 'float32';
}

/**
 * Shapes of common base models, from each model's `config.json` on the Hugging Face Hub. Keys are Hub ids;
 * instruct variants share the base model's shape.
 */
export const MODEL_SHAPES: Readonly<Record<string, ModelShape>> = {
  'meta-llama/Meta-Llama-3-8B': {
    architecture: 'LlamaForCausalLM', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numHeads: 32,
    numKvHeads: 8, headDim: 128, dtype: 'bfloat16',
  },
  'mistralai/Mistral-7B-v0.1': {
    architecture: 'MistralForCausalLM', hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numHeads: 32,
    numKvHeads: 8, headDim: 128, dtype: 'bfloat16',
  },
  'Qwen/Qwen2.5-7B': {
    architecture: 'Qwen2ForCausalLM', hiddenSize: 3584, intermediateSize: 18944, numLayers: 28, numHeads: 28,
    numKvHeads: 4, headDim: 128, dtype: 'bfloat16',
  },
};

const ALIASES: Readonly<Record<string, string>> = {
  'meta-llama/meta-llama-3-8b-instruct': 'meta-llama/Meta-Llama-3-8B',
  'meta-llama/llama-3.1-8b': 'meta-llama/Meta-Llama-3-8B',
  'meta-llama/llama-3.1-8b-instruct': 'meta-llama/Meta-Llama-3-8B',
  'mistralai/mistral-7b-instruct-v0.1': 'mistralai/Mistral-7B-v0.1',
  'mistralai/mistral-7b-instruct-v0.2': 'mistralai/Mistral-7B-v0.1',
  'mistralai/mistral-7b-v0.3': 'mistralai/Mistral-7B-v0.1',
  'mistralai/mistral-7b-instruct-v0.3': 'mistralai/Mistral-7B-v0.1',
  'qwen/qwen2.5-7b-instruct': 'Qwen/Qwen2.5-7B',
};

/** The known shape of a Hub model id (case-insensitive, instruct variants included), or undefined. */
export function findModelShape(model: string): ModelShape | undefined {
  const lower = model.toLowerCase();
  for (const [id, shape] of Object.entries(MODEL_SHAPES)) if (id.toLowerCase() === lower) return shape;
  const target = ALIASES[lower];
  return target === undefined ? undefined : MODEL_SHAPES[target];
}
