import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_MAX_LORA_RANKS, VLLM_FLAGS, isFlagAvailable, toServeArgs, toServeCommand, type VllmFlag } from './index.js';
import { parseArgv, threeAdapters } from '../test/three-adapters.js';

describe('toServeArgs', () => {
  it('round-trips: the argv parses back to the config values', () => {
    const { model, flags } = parseArgv(toServeArgs(threeAdapters));
    expect(model).toBe('meta-llama/Meta-Llama-3-8B-Instruct');
    expect(flags.get('served-model-name')).toEqual(['llama3-8b']);
    expect(flags.get('enable-lora')).toEqual([]);
    expect(flags.get('max-loras')).toEqual(['3']);
    expect(flags.get('max-lora-rank')).toEqual(['64']);
    expect(flags.get('max-cpu-loras')).toEqual(['3']);
    expect(flags.get('max-model-len')).toEqual(['8192']);
  });

  it('gives --lora-modules once, with every adapter, JSON where "=" or base_model_name needs it', () => {
    const { flags, counts } = parseArgv(toServeArgs(threeAdapters));
    expect(counts.get('lora-modules')).toBe(1);
    const items = flags.get('lora-modules') ?? [];
    expect(items).toHaveLength(3);
    expect(items[0]).toBe('legal-de=/adapters/legal-de');
    expect(JSON.parse(items[1] ?? '')).toEqual({ name: 'medical-de', path: '/adapters/medical-de', base_model_name: 'llama3-8b' });
    expect(JSON.parse(items[2] ?? '')).toEqual({ name: 'environment-en', path: '/adapters/run=3/environment-en' });
  });

  it('emits a --max-lora-rank from the allowed set and max-cpu-loras >= max-loras', () => {
    for (const rank of [1, 2, 9, 17, 33, 65, 129, 257, 321, 512]) {
      const { flags } = parseArgv(toServeArgs({ model: 'm', adapters: [{ name: 'a', path: '/a', rank }] }));
      const emitted = Number(flags.get('max-lora-rank')?.[0]);
      expect(ALLOWED_MAX_LORA_RANKS).toContain(emitted);
      expect(emitted).toBeGreaterThanOrEqual(rank);
      expect(Number(flags.get('max-cpu-loras')?.[0])).toBeGreaterThanOrEqual(Number(flags.get('max-loras')?.[0]));
    }
  });

  it('never emits a flag the target version does not have', () => {
    const versions = ['0.6.0', '0.6.4', '0.9.2', '0.10.0', '0.11.0', '0.12.0', '0.16.0', '0.17.0', '0.26.0'];
    for (const vllmVersion of versions) {
      const lora = {
        ...(isFlagAvailable('enable-lora-bias', vllmVersion) ? { enableLoraBias: true } : {}),
        ...(isFlagAvailable('lora-extra-vocab-size', vllmVersion) ? { extraVocabSize: 256 } : {}),
        ...(isFlagAvailable('lora-target-modules', vllmVersion) ? { targetModules: ['qkv_proj'] } : {}),
        fullyShardedLoras: true,
      };
      const { flags } = parseArgv(toServeArgs({ model: 'm', vllmVersion, lora, adapters: [{ name: 'a', path: '/a', rank: 8 }] }));
      for (const flag of flags.keys()) {
        expect(VLLM_FLAGS.map((f) => f.flag as string)).toContain(flag);
        expect(isFlagAvailable(flag as VllmFlag, vllmVersion), `--${flag} in ${vllmVersion}`).toBe(true);
      }
    }
    expect(isFlagAvailable('enable-lora-bias', '0.11.0')).toBe(true);
    expect(isFlagAvailable('enable-lora-bias', '0.12.0')).toBe(false);
    expect(isFlagAvailable('long-lora-scaling-factors', '0.10.0')).toBe(false);
    expect(isFlagAvailable('lora-extra-vocab-size', '0.11.0')).toBe(true);
  });
});

describe('toServeCommand', () => {
  it('is a shell line whose words are exactly the argv, env first', () => {
    const config = { ...threeAdapters, runtimeLoraUpdating: true, adapters: [...threeAdapters.adapters, { name: 'o', path: "/a/it's here", rank: 8 }] };
    const line = toServeCommand(config);
    expect(line.startsWith('VLLM_ALLOW_RUNTIME_LORA_UPDATING=True vllm serve ')).toBe(true);
    // The shell itself splits the line: printf prints one word per line.
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${line.replace(/^.*? vllm serve /, '')}`], { encoding: 'utf8' });
    expect(words.split('\n').slice(0, -1)).toEqual(toServeArgs(config));
  });

  it("survives the shell and vLLM's item parsing for any adapter name and path", () => {
    // Not the served model's name: the config refuses an adapter that would shadow the base model.
    // Nor one starting with "-", which the config refuses (vLLM's parser would take the item for a flag).
    const name = fc.stringMatching(/^[^\s=-][^\s=]{0,11}$/).filter((n) => n !== 'm');
    const path = fc.string({ minLength: 1, maxLength: 24 }).filter((p) => !p.includes('\0'));
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ name, path }), { minLength: 1, maxLength: 3, selector: (a) => a.name }), (adapters) => {
        const config = { model: 'm', adapters };
        const line = toServeCommand(config).replace(/^vllm serve /, '');
        const words = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`]).toString('utf8').split('\0').slice(0, -1);
        expect(words).toEqual(toServeArgs(config));
        const items = parseArgv(words).flags.get('lora-modules') ?? [];
        // vLLM's LoRAParserAction: `name=path` when the item has "=" and no ",", split into exactly two parts;
        // anything else is parsed as JSON.
        const parsed = items.map((item) => {
          if (!item.includes('=') || item.includes(',')) return JSON.parse(item) as { name: string; path: string };
          const parts = item.split('=');
          expect(parts).toHaveLength(2);
          return { name: parts[0], path: parts[1] };
        });
        expect(parsed).toEqual(adapters);
      }),
      { numRuns: 60 },
    );
  });
});
