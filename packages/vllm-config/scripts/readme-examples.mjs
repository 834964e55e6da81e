// Prints the outputs pasted into README.md, from the built package, so the README shows real output.
// npx tsc -b packages/vllm-config/tsconfig.json && node packages/vllm-config/scripts/readme-examples.mjs
import { Buffer } from 'node:buffer';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAdapter, createAdapterRouter, formatServabilityReport, planMemory, toServeArgs, toServeCommand, toServeYaml } from '../dist/index.js';

const config = {
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  servedModelName: 'llama3-8b',
  vllmVersion: '0.11.0',
  maxModelLen: 8192,
  adapters: [
    { name: 'legal-de', path: '/adapters/legal-de', rank: 16 },
    { name: 'medical-de', path: '/adapters/medical-de', rank: 64, baseModelName: 'llama3-8b' },
    { name: 'environment-en', path: '/adapters/run=3/environment-en', rank: 24 },
  ],
};
console.log('--- toServeYaml\n' + toServeYaml(config));
console.log('--- toServeArgs\n' + JSON.stringify(toServeArgs(config), null, 2));
console.log('--- toServeCommand\n' + toServeCommand(config));
console.log('--- planMemory\n' + planMemory(config, config.model).summary);

async function adapter(dir, peft, tensors) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(peft));
  const header = {};
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape[0] * (shape[1] ?? 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  await writeFile(join(dir, 'adapter_model.safetensors'), Buffer.concat([prefix, json, Buffer.alloc(offset)]));
}
const lora = (rank, modules, layers = 32) => Array.from({ length: layers }, (_, l) => modules.flatMap(([m, i, o]) => [
  [`base_model.model.model.layers.${l}.${m.startsWith('q') || m.startsWith('v') || m.startsWith('o') ? 'self_attn' : 'mlp'}.${m}.lora_A.weight`, [rank, i]],
  [`base_model.model.model.layers.${l}.${m.startsWith('q') || m.startsWith('v') || m.startsWith('o') ? 'self_attn' : 'mlp'}.${m}.lora_B.weight`, [o, rank]],
])).flat();

const root = await mkdtemp(join(tmpdir(), 'readme-'));
try {
  const good = join(root, 'legal-de');
  await adapter(good, { peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: config.model, r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'], bias: 'none' },
    lora(16, [['q_proj', 4096, 4096], ['v_proj', 4096, 1024]]));
  const bad = join(root, 'medical-de');
  await adapter(bad, { peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: 'mistralai/Mistral-7B-v0.1', r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'], bias: 'none', use_dora: true, modules_to_save: ['lm_head'] },
    [...lora(64, [['q_proj', 4096, 4096], ['v_proj', 4096, 1024]], 2), ['base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector', [4096]], ['base_model.model.lm_head.modules_to_save.default.weight', [128256, 4096]]]);
  const serve = { model: config.model, lora: { maxLoraRank: 32 } };
  console.log('--- checkAdapter (passing)\n' + formatServabilityReport(await checkAdapter(good, serve)).replace(root, '/adapters'));
  console.log('--- checkAdapter (failing)\n' + formatServabilityReport(await checkAdapter(bad, serve)).replace(root, '/adapters'));
} finally {
  await rm(root, { recursive: true, force: true });
}

const router = createAdapterRouter([
  { adapter_id: 'legal-de', task: { domain: 'recht', keywords: ['genehmigung', 'gericht', 'klage', 'anwalt'] } },
  { adapter_id: 'medical-de', task: { domain: 'medizin', keywords: ['arzt', 'schmerz', 'therapie'] } },
], { baseModel: 'llama3-8b' });
for (const q of ['Wie lange dauert eine Baugenehmigung?', 'Ist diese Regelung gerecht?', 'Ich habe Bauchschmerzen.']) {
  const r = router.route(q);
  console.log(`--- route(${JSON.stringify(q)})\n${JSON.stringify({ model: r.model, confidence: r.confidence, reason: r.reason })}`);
}
