// PEFT tensor names. Linear LoRA weights are `<module>.lora_A.weight` (and `lora_B.bias` with lora_bias);
// embedding LoRA is a bare parameter `<module>.lora_embedding_A`. An adapter-name segment (`.default`) may sit
// before the suffix in files saved by other tools.

/** A LoRA tensor name, capturing the adapted module's last name segment. */
export const LORA_TENSOR = /(?:^|\.)([^.]+)\.(?:lora_[AB](?:\.[^.]+)?\.(?:weight|bias)|lora_embedding_[AB](?:\.[^.]+)?)$/;
/** The LoRA suffix of a tensor name; removing it leaves the module path. */
export const LORA_KEY_SUFFIX = /\.(?:lora_[AB](?:\.[^.]+)?\.(?:weight|bias)|lora_embedding_[AB](?:\.[^.]+)?)$/;
/** An `A` matrix, whose first dimension is the rank. */
export const LORA_A = /\.(?:lora_A(?:\.[^.]+)?\.weight|lora_embedding_A(?:\.[^.]+)?)$/;
/** A `B` matrix weight, whose second dimension is the rank (a `lora_B.bias` is not one). */
export const LORA_B = /\.(?:lora_B(?:\.[^.]+)?\.weight|lora_embedding_B(?:\.[^.]+)?)$/;
