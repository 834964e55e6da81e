import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sharedPath } from '../../../tools/test-env.mjs';
import type { AdapterMetadataInput } from './adapter-metadata-schema.js';
import { fromPeftConfig } from './from-peft-config.js';
import { toModelCard } from './to-model-card.js';

const meta = JSON.parse(readFileSync(new URL('../test/fixtures/adapter_metadata.json', import.meta.url), 'utf8')) as AdapterMetadataInput;

function split(markdown: string): { front: Record<string, unknown>; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(markdown);
  if (match === null) throw new Error('no front matter');
  return { front: parse(match[1] ?? '') as Record<string, unknown>, body: match[2] ?? '' };
}

describe('toModelCard', () => {
  it('writes the Hugging Face front matter fields', () => {
    const { markdown, warnings } = toModelCard(meta, { datasets: ['acme/support-tickets'], tags: ['customer-support'] });
    const { front } = split(markdown);
    expect(front).toEqual({
      base_model: 'mistralai/Mistral-7B-v0.1',
      base_model_relation: 'adapter',
      library_name: 'peft',
      license: 'apache-2.0',
      language: ['en', 'de'],
      datasets: ['acme/support-tickets'],
      pipeline_tag: 'text-generation',
      tags: ['lora', 'peft', 'base_model:adapter:mistralai/Mistral-7B-v0.1', 'customer-support'],
      'model-index': [{
        name: 'support-bot',
        results: [{
          task: { type: 'text-generation' },
          dataset: { name: 'support-tickets-2025q1', type: 'support-tickets-2025q1', split: 'validation' },
          metrics: [{ type: 'eval_loss', value: 0.82, name: 'eval_loss' }, { type: 'accuracy', value: 0.91, name: 'accuracy' }],
        }],
      }],
    });
    expect(warnings).toEqual([]);
  });

  it('leaves model-index out without evaluation results', () => {
    const withoutEvaluation: Record<string, unknown> = { ...meta };
    delete withoutEvaluation['evaluation'];
    expect(split(toModelCard(withoutEvaluation as AdapterMetadataInput).markdown).front).not.toHaveProperty('model-index');
  });

  it('documents use, data with hashes, hyper-parameters, lineage and vLLM serving', () => {
    const { body } = split(toModelCard(meta).markdown);
    expect(body).toContain('Answers customer-support questions');
    expect(body).toContain('| out/train.jsonl | train | 175 | 110934 | `7779004fa198fdf27cf70a159363879d8a26c53329e11b436af17b3941875f48` |');
    expect(body).toContain('| LoRA rank (r) | 16 |');
    expect(body).toContain('Trained from adapter `support-bot-base@1.0.0`');
    expect(body).toContain('vllm serve mistralai/Mistral-7B-v0.1 --enable-lora --max-lora-rank 16 \\\n  --lora-modules support-bot=./support-bot');
    expect(body).toContain('model: "support-bot"');
    expect(body).toContain('"model":"support-bot"');
  });

  it('shell-quotes the vllm serve arguments that need it, so the command runs as shown', () => {
    const card = toModelCard({ adapter_id: 'legal-qa', base_model: { name: 'Qwen/Qwen2.5-7B', serving_name: "/models/my qwen's" } },
      { adapterPath: 'adapters/legal qa' });
    const command = /```sh\n(vllm serve [\s\S]*?)\n```/.exec(split(card.markdown).body)?.[1] ?? '';
    expect(command).toBe("vllm serve '/models/my qwen'\\''s' --enable-lora --max-lora-rank 8 \\\n  --lora-modules 'legal-qa=adapters/legal qa'");
    // What a POSIX shell hands vLLM: one argument per word, spaces and quotes kept.
    const argv = execFileSync('sh', ['-c', command.replace(/^vllm/, "printf '%s\\n'")], { encoding: 'utf8' });
    expect(argv.split('\n')).toEqual(['serve', "/models/my qwen's", '--enable-lora', '--max-lora-rank', '8', '--lora-modules', 'legal-qa=adapters/legal qa', '']);
  });

  it('warns about a local path, a quantised repo and a missing license', () => {
    const local = toModelCard({ adapter_id: 'a1', base_model: { name: '/home/me/models/llama' } }, { license: 'mit' });
    expect(local.warnings.map((w) => w.code)).toEqual(['base_model_local_path']);
    const quantised = toModelCard({ adapter_id: 'a1', base_model: { name: 'unsloth/llama-3.2-3b-instruct-bnb-4bit' } });
    expect(quantised.warnings.map((w) => w.code)).toEqual(['base_model_quantized', 'license_missing']);
  });

  it('warns of a license the Hub refuses and a rank vLLM cannot serve; the pipeline tag follows the task type', () => {
    const base = { adapter_id: 'a1', base_model: { name: 'meta-llama/Meta-Llama-3-8B' } };
    // Before: all three cards came without a word, and the Hub refuses the first commit ("license must be one of").
    const spelled = toModelCard(base, { license: 'Apache 2.0' });
    expect(spelled.warnings).toEqual([expect.objectContaining({ code: 'license_unknown', message: expect.stringContaining('write "apache-2.0"') })]);
    expect(toModelCard(base, { license: 'llama3.1' }).warnings).toEqual([]);
    expect(toModelCard(base, { license: 'llama4' }).warnings).toEqual([]);
    const wide = toModelCard({ ...base, training: { lora_rank: 16, peft: { rank_pattern: { q_proj: 600 } } } }, { license: 'mit' });
    expect(wide.warnings.map((w) => w.code)).toEqual(['rank_unservable']);
    const dora = toModelCard({ ...base, training: { use_dora: true, modules_to_save: ['lm_head'] } }, { license: 'mit' });
    expect(dora.warnings).toEqual([expect.objectContaining({ code: 'vllm_unservable', message: expect.stringContaining('DoRA (use_dora), modules_to_save') })]);
    const variants = toModelCard({ ...base, training: { peft: { init_lora_weights: 'pissa_niter_4', use_qalora: true, layer_replication: [[0, 2]] } } }, { license: 'mit' });
    expect(variants.warnings.map((w) => w.message)).toEqual([expect.stringContaining('init_lora_weights "pissa_niter_4", use_qalora, layer_replication')]);
    const classifier = toModelCard({ ...base, training: { peft: { task_type: 'SEQ_CLS' } } }, { license: 'mit' });
    expect(split(classifier.markdown).front['pipeline_tag']).toBe('text-classification');
    expect(split(toModelCard(base, { license: 'mit' }).markdown).front['pipeline_tag']).toBe('text-generation');
  });
});

const datasets = sharedPath('datasets');

describe.skipIf(datasets === undefined)('cards for real adapters agree with their real model cards', () => {
  function realCard(name: string): Record<string, unknown> {
    return parse(readFileSync(join(datasets ?? '', 'model-cards', name), 'utf8')) as Record<string, unknown>;
  }
  function cardFor(config: string): Record<string, unknown> {
    const { metadata } = fromPeftConfig(JSON.parse(readFileSync(join(datasets ?? '', 'peft-configs', config), 'utf8')));
    const name = metadata.base_model?.name ?? '';
    return split(toModelCard({ ...metadata, adapter_id: 'adapter', base_model: { name } }, { license: 'mit' }).markdown).front;
  }

  it('HRF001 gemma-text-to-sql: same base_model, library_name, pipeline_tag and base_model:adapter tag', () => {
    const real = realCard('HRF001__gemma-text-to-sql__README.yaml');
    const ours = cardFor('HRF001__gemma-text-to-sql__adapter_config.json');
    for (const key of ['base_model', 'library_name', 'pipeline_tag']) expect(ours[key]).toBe(real[key]);
    expect(ours['tags']).toContain((real['tags'] as string[]).find((t) => t.startsWith('base_model:adapter:')));
  });

  it('AntoDono GenPlus-Translator: base_model in the card equals base_model_name_or_path', () => {
    expect(cardFor('AntoDono__GenPlus-Translator__adapter_config.json')['base_model'])
      .toBe(realCard('AntoDono__GenPlus-Translator__README.yaml')['base_model']);
  });
});
