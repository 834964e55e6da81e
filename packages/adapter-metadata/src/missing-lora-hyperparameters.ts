// What PEFT's adapter_config.json needs that the metadata model fills with a default when it is left out.
const LORA_HYPERPARAMETERS = ['lora_rank', 'lora_alpha', 'lora_dropout'] as const;

/**
 * The LoRA hyper-parameters (`training.lora_rank`, `training.lora_alpha`, `training.lora_dropout`) that raw metadata
 * JSON, before parsing, leaves out. Parsing fills them with the model's defaults (8, 16, 0.1: those of the system
 * lorakit replaces, kept so its files migrate unchanged), which are then not what the adapter was trained with: a
 * `toPeftConfig` of such metadata writes an `adapter_config.json` that does not match the weights. Refuse it when this
 * is not empty. Metadata lorakit writes (`writeAdapterMetadata`, the exporter's adapter_metadata.json,
 * `fromPeftConfig`) holds all three, given or defaulted, so this only catches hand-written or registered JSON.
 *
 * @example
 * ```ts
 * missingLoraHyperparameters({ adapter_id: 'legal-de', training: { lora_rank: 16 } });
 * // ['training.lora_alpha', 'training.lora_dropout']
 * ```
 */
export function missingLoraHyperparameters(json: unknown): string[] {
  const training = (json as { training?: unknown } | null)?.training;
  const given = typeof training === 'object' && training !== null ? training : {};
  return LORA_HYPERPARAMETERS.filter((key) => !(key in given)).map((key) => `training.${key}`);
}
