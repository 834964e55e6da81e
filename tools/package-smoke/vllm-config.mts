// Installed alone: build a vLLM multi-LoRA serve command from a config.
import { safeParseServeConfig, toServeArgs, toServeCommand } from '@lorakit/vllm-config';

const config = { model: 'Qwen/Qwen2.5-7B-Instruct', adapters: [{ name: 'legal', path: '/adapters/legal', rank: 16 }] };
const parsed = safeParseServeConfig(config);
if (!parsed.success) throw new Error(`config rejected: ${parsed.issues.map((i) => i.message).join('; ')}`);
const args: string[] = toServeArgs(config);
if (!args.includes('--enable-lora') || !args.includes('legal=/adapters/legal')) throw new Error(`unexpected args ${args.join(' ')}`);
const bad = safeParseServeConfig({ model: 'm', lora: { maxLoraRank: 8 }, adapters: [{ name: 'a', path: '/a', rank: 64 }] });
if (bad.success) throw new Error('a rank above maxLoraRank was accepted');
console.log(`toServeCommand: ${toServeCommand(config).slice(0, 60)}…`);
