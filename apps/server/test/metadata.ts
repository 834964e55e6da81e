/** Minimal valid adapter metadata for registry tests. */
export function meta(
  id: string,
  version: string,
  task: { domain?: string; type?: string; keywords?: string[] } = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    adapter_id: id,
    adapter_version: version,
    license: 'apache-2.0',
    base_model: { name: 'Qwen/Qwen2.5-7B-Instruct' },
    task: { type: 'instruction-following', ...task },
    training: { lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj'] },
    ...extra,
  };
}
