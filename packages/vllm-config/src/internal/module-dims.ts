import type { ModelShape } from '../model-shapes.js';

/** `[in, out]` of a Llama-style projection of a model, or undefined for other modules (embeddings, fused ones). */
export function moduleDims(shape: ModelShape, module: string): [inDim: number, outDim: number] | undefined {
  const attn = shape.numHeads * shape.headDim;
  const kv = shape.numKvHeads * shape.headDim;
  switch (module) {
    case 'q_proj': return [shape.hiddenSize, attn];
    case 'k_proj':
    case 'v_proj': return [shape.hiddenSize, kv];
    case 'o_proj': return [attn, shape.hiddenSize];
    case 'gate_proj':
    case 'up_proj': return [shape.hiddenSize, shape.intermediateSize];
    case 'down_proj': return [shape.intermediateSize, shape.hiddenSize];
    default: return undefined;
  }
}
