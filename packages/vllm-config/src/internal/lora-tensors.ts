// PEFT tensor names. Linear LoRA weights are `<module>.lora_A.weight` (and `lora_B.bias` with lora_bias);
// embedding LoRA is a bare parameter `<module>.lora_embedding_A`. An adapter-name segment (`.default`) may sit
// before the suffix in files saved by other tools: vLLM refuses those names (checkAdapter says so), but they are
// paired here so that their ranks and shapes are still reported.

/** A LoRA tensor name, capturing the adapted module's last name segment. */
export const LORA_TENSOR = /(?:^|\.)([^.]+)\.(?:lora_[AB](?:\.[^.]+)?\.(?:weight|bias)|lora_embedding_[AB](?:\.[^.]+)?)$/;
/** The LoRA suffix of a tensor name; removing it leaves the module path. */
export const LORA_KEY_SUFFIX = /\.(?:lora_[AB](?:\.[^.]+)?\.(?:weight|bias)|lora_embedding_[AB](?:\.[^.]+)?)$/;
/** An `A` matrix, whose first dimension is the rank. */
export const LORA_A = /\.(?:lora_A(?:\.[^.]+)?\.weight|lora_embedding_A(?:\.[^.]+)?)$/;
/** A `B` matrix weight, whose second dimension is the rank (a `lora_B.bias` is not one). */
export const LORA_B = /\.(?:lora_B(?:\.[^.]+)?\.weight|lora_embedding_B(?:\.[^.]+)?)$/;

/**
 * True when a lora_A `[a0, a1]` / lora_B `[b0, b1]` pair is stored transposed (`[in, r]` and `[r, out]`) rather
 * than PEFT's `[r, in]` and `[out, r]`. With the layer's `[in, out]` that reading is the one that fits; without
 * them, a "rank" larger than both the input and the output is no low-rank adapter, so the small shared dimension
 * is the rank.
 */
export function isTransposedPair(a: readonly [number, number], b: readonly [number, number], dims?: readonly [number, number]): boolean {
  const [a0, a1] = a;
  const [b0, b1] = b;
  if (a1 !== b0) return false;
  return dims === undefined ? a1 < a0 && b0 < b1 : a0 === dims[0] && b1 === dims[1] && !(a1 === dims[0] && b0 === dims[1]);
}

/** A module's lora_A and lora_B shapes, keyed by the tensor name without its LoRA suffix. */
export interface LoraPair {
  module: string;
  a?: number[];
  b?: number[];
}

/** The lora_A/lora_B (and lora_embedding_A/B) tensors, paired by module path. */
export function pairLoraTensors(tensors: readonly { name: string; shape: number[] }[]): Map<string, LoraPair> {
  const pairs = new Map<string, LoraPair>();
  for (const t of tensors) {
    const isA = LORA_A.test(t.name);
    if (!isA && !LORA_B.test(t.name)) continue;
    const key = t.name.replace(LORA_KEY_SUFFIX, '');
    const pair = pairs.get(key) ?? { module: LORA_TENSOR.exec(t.name)?.[1] ?? key };
    if (isA) pair.a = t.shape;
    else pair.b = t.shape;
    pairs.set(key, pair);
  }
  return pairs;
}

/** The rank of each lora_A tensor: its first dimension, or its second when its pair is stored transposed. */
export function loraRanks(tensors: readonly { name: string; shape: number[] }[]): number[] {
  const ranks: number[] = [];
  for (const { a, b } of pairLoraTensors(tensors).values()) {
    if (a === undefined) continue;
    const transposed = a.length === 2 && b?.length === 2 && isTransposedPair(a as [number, number], b as [number, number]);
    ranks.push((transposed ? a[1] : a[0]) ?? 0);
  }
  return ranks;
}
