import { writeFile } from 'node:fs/promises';

const WIDTH: Record<string, number> = { F16: 2, BF16: 2, F32: 4 };

/** Writes a real safetensors file: 8-byte LE header length, JSON header (space-padded), zero-filled data. */
export async function writeSafetensors(path: string, tensors: { name: string; shape: number[]; dtype?: string }[]): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const dtype = t.dtype ?? 'F16';
    const bytes = t.shape.reduce((a, d) => a * d, 1) * (WIDTH[dtype] ?? 2);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  await writeFile(path, Buffer.concat([prefix, Buffer.from(json), Buffer.alloc(offset)]));
}

/** LoRA tensors as PEFT names them for a Llama-style model: lora_A [r, in], lora_B [out, r]. */
export function loraTensors(options: { layers: number; rank: number; modules: Record<string, [inDim: number, outDim: number]> }): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  for (let layer = 0; layer < options.layers; layer++) {
    for (const [module, [inDim, outDim]] of Object.entries(options.modules)) {
      const group = module.endsWith('_proj') && ['gate_proj', 'up_proj', 'down_proj'].includes(module) ? 'mlp' : 'self_attn';
      const base = `base_model.model.model.layers.${layer}.${group}.${module}`;
      out.push({ name: `${base}.lora_A.weight`, shape: [options.rank, inDim] });
      out.push({ name: `${base}.lora_B.weight`, shape: [outDim, options.rank] });
    }
  }
  return out;
}
