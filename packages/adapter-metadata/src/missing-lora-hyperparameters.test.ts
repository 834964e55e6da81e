import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingLoraHyperparameters } from './missing-lora-hyperparameters.js';
import { writeAdapterMetadata } from './write-adapter-metadata.js';

describe('missingLoraHyperparameters', () => {
  it('names the LoRA hyper-parameters raw metadata leaves out, which parsing would default', () => {
    expect(missingLoraHyperparameters({ adapter_id: 'legal-de', training: { lora_rank: 16 } })).toEqual([
      'training.lora_alpha',
      'training.lora_dropout',
    ]);
    expect(missingLoraHyperparameters({ adapter_id: 'legal-de' })).toEqual([
      'training.lora_rank',
      'training.lora_alpha',
      'training.lora_dropout',
    ]);
    expect(missingLoraHyperparameters(null)).toHaveLength(3);
    expect(missingLoraHyperparameters({ training: { lora_rank: 16, lora_alpha: 32, lora_dropout: 0 } })).toEqual([]);
  });

  it('finds none in metadata lorakit wrote: it holds all three, given or defaulted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-missing-'));
    try {
      const file = join(dir, 'adapter_metadata.json');
      await writeAdapterMetadata(file, { adapter_id: 'legal-de', base_model: { name: 'Qwen/Qwen2.5-7B-Instruct' } });
      expect(missingLoraHyperparameters(JSON.parse(readFileSync(file, 'utf8')))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
