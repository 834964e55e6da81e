import { describe, expect, it } from 'vitest';
import { parseServeConfig, safeParseServeConfig } from './index.js';
import { threeAdapters } from '../test/three-adapters.js';

describe('ServeConfigSchema defaults derived from the adapters', () => {
  it('rounds the largest adapter rank up to an allowed --max-lora-rank', () => {
    const c = parseServeConfig(threeAdapters);
    expect(c.lora.maxLoraRank).toBe(64);
    const odd = parseServeConfig({ model: 'm', adapters: [{ name: 'a', path: '/a', rank: 24 }, { name: 'b', path: '/b', rank: 300 }] });
    expect(odd.lora.maxLoraRank).toBe(320);
  });

  it('defaults max_loras to min(#adapters, 8) and max_cpu_loras to at least max_loras', () => {
    expect(parseServeConfig(threeAdapters).lora).toMatchObject({ maxLoras: 3, maxCpuLoras: 3 });
    const ten = Array.from({ length: 10 }, (_, i) => ({ name: `a${i}`, path: `/a/${i}`, rank: 8 }));
    expect(parseServeConfig({ model: 'm', adapters: ten }).lora).toMatchObject({ maxLoras: 8, maxCpuLoras: 10 });
    expect(parseServeConfig({ model: 'm' }).lora).toMatchObject({ maxLoras: 1, maxCpuLoras: 1, maxLoraRank: 16 });
    expect(parseServeConfig({ model: 'm', lora: { maxLoras: 4 } }).lora.maxCpuLoras).toBe(4);
  });

  it('defaults the version to the newest known release and normalises vLLM version strings', () => {
    expect(parseServeConfig({ model: 'm' }).vllmVersion).toBe('0.26.0');
    expect(parseServeConfig({ model: 'm', vllmVersion: '0.6.3.post1' }).vllmVersion).toBe('0.6.3');
  });

  it('is idempotent: a parsed config parses to itself', () => {
    const c = parseServeConfig(threeAdapters);
    expect(parseServeConfig(c)).toEqual(c);
  });
});

describe('ServeConfigSchema rejects what vLLM rejects', () => {
  it('rejects max_cpu_loras below max_loras with the field path', () => {
    const r = safeParseServeConfig({ model: 'm', lora: { maxLoras: 4, maxCpuLoras: 2 } });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.issues).toContainEqual(expect.objectContaining({ code: 'too_small', path: '/lora/maxCpuLoras' }));
  });

  it('rejects a --max-lora-rank outside the allowed set and one below an adapter rank', () => {
    const bad = safeParseServeConfig({ model: 'm', lora: { maxLoraRank: 24 } });
    expect(bad.success).toBe(false);
    const low = safeParseServeConfig({ model: 'm', lora: { maxLoraRank: 16 }, adapters: [{ name: 'a', path: '/a', rank: 64 }] });
    expect(low.success).toBe(false);
    if (!low.success) {
      expect(low.issues[0]).toMatchObject({ code: 'rank_too_high', path: '/lora/maxLoraRank' });
      expect(low.issues[0]?.message).toContain('LoRA rank 64 is greater than max_lora_rank 16');
    }
  });

  it('rejects flags the target version does not have', () => {
    const bias = safeParseServeConfig({ model: 'm', vllmVersion: '0.12.0', lora: { enableLoraBias: true } });
    expect(bias.success).toBe(false);
    if (!bias.success) expect(bias.issues[0]).toMatchObject({ code: 'flag_unavailable', path: '/lora/enableLoraBias' });
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.11.2', lora: { enableLoraBias: true } }).success).toBe(true);
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.12.0', lora: { extraVocabSize: 256 } }).success).toBe(false);
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.16.0', lora: { targetModules: ['o_proj'] } }).success).toBe(false);
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.17.0', lora: { targetModules: ['o_proj'] } }).success).toBe(true);
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.8.5', resolverCacheDir: '/loras' }).success).toBe(false);
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.9.0', resolverCacheDir: '/loras' }).success).toBe(true);
  });

  it('rejects unknown keys, so a misspelt setting is not silently ignored', () => {
    const r = safeParseServeConfig({ model: 'm', lora: { maxLoraRnak: 64 } });
    expect(r.success).toBe(false);
    // At the key's own path (before: "/lora", and "" for a key at the top).
    if (!r.success) expect(r.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: '/lora/maxLoraRnak', message: 'unknown key "maxLoraRnak" (check the spelling)' });
    const top = safeParseServeConfig({ model: 'm', foo: 1, bar: 2 });
    expect(top.success ? [] : top.issues.map((i) => i.path)).toEqual(['/foo', '/bar']);
  });

  it('rejects versions older than 0.6 and non-versions', () => {
    for (const vllmVersion of ['0.5.4', 'latest']) {
      const r = safeParseServeConfig({ model: 'm', vllmVersion });
      expect(r.success).toBe(false);
      if (!r.success) expect(r.issues[0]).toMatchObject({ code: 'version_unsupported', path: '/vllmVersion' });
    }
  });

  it('rejects duplicate adapter names, names with "=" and a JSON-form adapter on a release without it', () => {
    expect(safeParseServeConfig({ model: 'm', adapters: [{ name: 'a', path: '/a' }, { name: 'a', path: '/b' }] }).success).toBe(false);
    expect(safeParseServeConfig({ model: 'm', adapters: [{ name: 'a=b', path: '/a' }] }).success).toBe(false);
    // Found by the property test of toServeCommand: the item "--x=/a" is a flag to vLLM's parser.
    const dash = safeParseServeConfig({ model: 'm', adapters: [{ name: '--x', path: '/a' }] });
    expect(dash.success ? [] : dash.issues.map((i) => i.message)).toEqual(['an adapter name may not start with "-" (vLLM would read its --lora-modules item as a flag)']);
    expect(safeParseServeConfig({ model: 'm', vllmVersion: '0.6.1', adapters: [{ name: 'a', path: '/x=1' }] }).success).toBe(false);
  });

  it('warns when base_model_name will be dropped and when runtime updating is on', () => {
    const r = safeParseServeConfig({ model: 'm', runtimeLoraUpdating: true, adapters: [{ name: 'a', path: '/a', rank: 8, baseModelName: 'other' }] });
    expect(r.success).toBe(true);
    if (r.success) {
      expect(r.warnings.some((w) => w.includes('vLLM drops it'))).toBe(true);
      expect(r.warnings.some((w) => w.includes('trusted network'))).toBe(true);
    }
  });
});
