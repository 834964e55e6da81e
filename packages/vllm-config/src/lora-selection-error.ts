/**
 * Why a chat or completion request would not reach the LoRA adapter it names: a `lora_name` or `lora_request` field,
 * top-level or inside `extra_body` (how the OpenAI Python client sends extra fields), which vLLM ignores, so the base
 * model answers. vLLM selects an adapter only through `model`. Undefined when the request has no such field.
 *
 * @example
 * ```ts
 * const problem = loraSelectionError({ model: 'Qwen/Qwen2.5-7B-Instruct', extra_body: { lora_name: 'legal-de' } });
 * // 'vLLM has no "extra_body.lora_name" request field: it ignores it and the base model answers; put the adapter name in "model"'
 * ```
 */
export function loraSelectionError(request: Record<string, unknown>): string | undefined {
  for (const [prefix, object] of [['', request], ['extra_body.', request['extra_body']]] as const) {
    if (typeof object !== 'object' || object === null) continue;
    for (const field of ['lora_name', 'lora_request']) {
      if (field in object) {
        return `vLLM has no "${prefix}${field}" request field: it ignores it and the base model answers; put the adapter name in "model"`;
      }
    }
  }
  return undefined;
}
