// Installed alone: validate adapter metadata and derive the PEFT adapter_config.json from it.
import { safeParseAdapterMetadata, toPeftConfig, type AdapterMetadata } from '@lorakit/adapter-metadata';

const result = safeParseAdapterMetadata({
  adapter_id: 'legal-qa-de-en',
  base_model: { name: 'Qwen/Qwen2.5-7B-Instruct' },
  training: { lora_rank: 16, lora_alpha: 32, target_modules: ['v_proj', 'q_proj'] },
});
if (!result.success) throw new Error(`metadata rejected: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
const meta: AdapterMetadata = result.data;
const peft = toPeftConfig(meta);
if (peft.r !== 16 || peft.base_model_name_or_path !== 'Qwen/Qwen2.5-7B-Instruct') throw new Error(`unexpected PEFT config ${JSON.stringify(peft)}`);
const invalid = safeParseAdapterMetadata({ adapter_id: 'Not A Slug' });
if (invalid.success) throw new Error('an invalid adapter_id was accepted');
console.log(`toPeftConfig: r=${String(peft.r)} target_modules=${JSON.stringify(peft.target_modules)}`);
