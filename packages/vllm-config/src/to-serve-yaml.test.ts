import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toServeArgs, toServeYaml } from './index.js';
import { parseArgv, threeAdapters } from '../test/three-adapters.js';

describe('toServeYaml', () => {
  it('has long flag names as keys, true for bare flags, and string lora-modules items', () => {
    const doc = parse(toServeYaml(threeAdapters)) as Record<string, unknown>;
    expect(doc['enable-lora']).toBe(true);
    expect(doc['max-lora-rank']).toBe(64);
    expect(Object.keys(doc).every((k) => !k.startsWith('--'))).toBe(true);
    const items = doc['lora-modules'] as unknown[];
    expect(items).toHaveLength(3);
    for (const item of items) expect(typeof item).toBe('string');
    expect(JSON.parse(items[1] as string)).toMatchObject({ name: 'medical-de' });
  });

  it('expands to the same flags as toServeArgs (YAML → flag + items, true → bare flag)', () => {
    const doc = parse(toServeYaml(threeAdapters)) as Record<string, unknown>;
    const expanded: string[] = ['meta-llama/Meta-Llama-3-8B-Instruct'];
    for (const [key, value] of Object.entries(doc)) {
      expanded.push(`--${key}`);
      if (Array.isArray(value)) expanded.push(...value.map(String));
      else if (value !== true) expanded.push(String(value));
    }
    expect(parseArgv(expanded)).toEqual(parseArgv(toServeArgs(threeAdapters)));
  });

  it('writes list flags as YAML sequences (flag + each item)', () => {
    const doc = parse(toServeYaml({ model: 'm', lora: { targetModules: ['qkv_proj', 'o_proj'], fullyShardedLoras: true } })) as Record<string, unknown>;
    expect(doc['lora-target-modules']).toEqual(['qkv_proj', 'o_proj']);
    expect(doc['fully-sharded-loras']).toBe(true);
    expect(doc).not.toHaveProperty('lora-modules');
  });

  it('names the model in the run hint, since the model stays on the command line', () => {
    expect(toServeYaml(threeAdapters)).toContain('# vLLM 0.11.0 serve config. Run: vllm serve meta-llama/Meta-Llama-3-8B-Instruct --config');
  });
});
