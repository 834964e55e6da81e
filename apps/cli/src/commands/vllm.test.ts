import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const base = ['vllm', 'config', '--base-model', 'Qwen/Qwen2.5-7B-Instruct', '--adapter', 'legal=/adapters/legal'];

describe('lorakit vllm config', () => {
  it('prints the vllm serve command with the adapter as a LoRA module', async () => {
    const r = await runCli([...base, '--format', 'command']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^vllm serve .*Qwen\/Qwen2\.5-7B-Instruct/);
    expect(r.stdout).toContain('--enable-lora');
    expect(r.stdout).toContain('legal=/adapters/legal');
  });

  it('--json gives args, env and command', async () => {
    const r = await runCli([...base, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { args: string[]; command: string };
    expect(doc.args[0]).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(doc.args).toContain('--lora-modules');
  });

  it('writes -o atomically and refuses to overwrite without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-vllm-'));
    const file = join(dir, 'serve.yaml');
    expect((await runCli([...base, '--format', 'yaml', '-o', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('Qwen/Qwen2.5-7B-Instruct');
    const again = await runCli([...base, '--format', 'yaml', '-o', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists (pass --force');
    expect((await runCli([...base, '--format', 'yaml', '-o', file, '--force'])).code).toBe(0);
  });

  it('k8s: refuses local adapter paths without a volume, naming --adapter-volume-claim; mounts the claim when given', async () => {
    const refused = await runCli([...base, '--format', 'k8s']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('the pod would not have /adapters/legal');
    expect(refused.stderr).toContain('--adapter-volume-claim');
    const ok = await runCli([...base, '--format', 'k8s', '--adapter-volume-claim', 'loras']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('claimName: loras');
    expect(ok.stdout).toContain('legal=/adapters/legal');
  });

  it('an adapter without NAME=DIR is a usage error', async () => {
    const r = await runCli(['vllm', 'config', '--base-model', 'm', '--adapter', 'nodir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--adapter expects NAME=DIR');
  });

  it('an invalid serve setting is exit 2 naming the key', async () => {
    const r = await runCli([...base, '--max-lora-rank', '12']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/lora/maxLoraRank');
  });
});

describe('lorakit vllm plan / route / models', () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures');

  it('plan prints the LoRA slot memory', async () => {
    const r = await runCli(['vllm', 'plan', '--base-model', 'meta-llama/Meta-Llama-3-8B-Instruct', '--max-lora-rank', '16', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { rank: number; totalBytes: number };
    expect(plan.rank).toBe(16);
    expect(plan.totalBytes).toBeGreaterThan(0);
  });

  it('a local adapter folder gives its rank to the serve config', async () => {
    const r = await runCli(['vllm', 'config', '--base-model', 'Qwen/Qwen2.5-7B-Instruct', '--adapter', 'legal=adapters/legal-v1', '--format', 'args'], { cwd: fixtures });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('has no rank');
    expect(r.stdout).toMatch(/--max-lora-rank\n16\n/);
  });

  it('a local adapter of rank 32 is served with --max-lora-rank 32, given or not, and refused with 16', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-vllm-r32-'));
    const config = JSON.parse(readFileSync(join(fixtures, 'adapters', 'legal-v1', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, r: 32 }));
    const run = (...extra: string[]) =>
      runCli(['vllm', 'config', '--base-model', 'Qwen/Qwen2.5-7B-Instruct', '--adapter', `legal=${dir}`, '--format', 'args', ...extra]);
    // Before: both exit 2, "LoRA rank 32 is greater than max_lora_rank 16": the check ignored the serve settings.
    for (const given of [[], ['--max-lora-rank', '32']]) {
      const r = await run(...given);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/--max-lora-rank\n32\n/);
    }
    const low = await run('--max-lora-rank', '16');
    expect(low.code).toBe(2);
    expect(low.stderr).toContain('rank 32');
    // A rank the config file gives too low for the folder: refused, not written with --max-lora-rank 8.
    const serveFile = join(mkdtempSync(join(tmpdir(), 'lorakit-vllm-serve-')), 'serve.yaml');
    writeFileSync(serveFile, `adapters:\n  - name: legal\n    path: ${dir}\n    rank: 8\n`);
    const declared = await runCli(['vllm', 'config', '--base-model', 'Qwen/Qwen2.5-7B-Instruct', '--config', serveFile, '--format', 'args']);
    expect(declared.code).toBe(2);
    expect(declared.stderr).toContain('the config gives rank 8, but');
  });

  it('route picks the adapter whose keywords match, and says why', async () => {
    const ask = async (text: string) => {
      const r = await runCli(['vllm', 'route', text, '--adapters', 'adapters', '--json'], { cwd: fixtures });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { model: string; reason: string; fallback: boolean };
    };
    expect((await ask('Wann bekomme ich meine Kaution zurück?')).model).toBe('legal-qa-de-en-tenancy');
    expect((await ask('Greift der Kündigungsschutz in der Probezeit?')).model).toBe('legal-qa-de-en');
    const other = await ask('What is the weather tomorrow?');
    expect(other.fallback).toBe(true);
    expect(other.model).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('route in text says the confidence once', async () => {
    const r = await runCli(['vllm', 'route', 'Wann bekomme ich meine Kaution zurück?', '--adapters', 'adapters'], { cwd: fixtures });
    expect(r.code).toBe(0);
    // Before: "…; confidence 0.5 (confidence 0.50)".
    expect(r.stdout.match(/confidence/g) ?? []).toHaveLength(1);
  });

  it('models lists what a running server serves; an unreachable server is exit 2', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/models') {
        res.end(JSON.stringify({ object: 'list', data: [
          { id: 'Qwen/Qwen2.5-7B-Instruct', object: 'model', root: 'Qwen/Qwen2.5-7B-Instruct', parent: null },
          { id: 'legal', object: 'model', root: '/adapters/legal', parent: 'Qwen/Qwen2.5-7B-Instruct' },
        ] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const r = await runCli(['vllm', 'models', '--url', `http://127.0.0.1:${port}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('legal  (adapter of Qwen/Qwen2.5-7B-Instruct)');
    } finally {
      server.close();
    }
    const down = await runCli(['vllm', 'models', '--url', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^lorakit: /);
  });
});

describe('lorakit vllm: local adapter folders', () => {
  const LLAMA = 'meta-llama/Meta-Llama-3-8B-Instruct';
  const workdir = (configs: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-vllm-local-'));
    for (const [name, baseModel] of Object.entries(configs)) {
      mkdirSync(join(dir, 'w', name), { recursive: true });
      const config = { base_model_name_or_path: baseModel, peft_type: 'LORA', r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'] };
      writeFileSync(join(dir, 'w', name, 'adapter_config.json'), JSON.stringify(config));
    }
    return dir;
  };

  it('refuses an adapter trained on another base model, naming the adapter, its base model and the served one', async () => {
    const cwd = workdir({ legal: LLAMA, mis: 'mistralai/Mistral-7B-v0.1' });
    const r = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'legal=w/legal', '--adapter', 'mis=w/mis'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('adapter "mis"');
    expect(r.stderr).toContain('trained on "mistralai/Mistral-7B-v0.1" but the server runs "meta-llama/Meta-Llama-3-8B-Instruct"');
    const ok = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'legal=w/legal'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    // No weights yet (a config is often written before training ends): said, not refused.
    expect(ok.stderr).toMatch(/^warning: adapter "legal" cannot be loaded yet: neither adapter_model\.safetensors nor adapter_model\.bin exists/);
    // The same for `~/` (which the shell does not expand after `mis=`) and for the adapters of a --config file.
    const home = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'mis=~/w/mis'], { cwd, env: { HOME: cwd } });
    expect(home.code).toBe(2);
    expect(home.stderr).toContain('adapter "mis"');
    writeFileSync(join(cwd, 'serve.yaml'), `model: ${LLAMA}\nadapters:\n  - name: mis\n    path: w/mis\n`);
    const file = await runCli(['vllm', 'config', '--config', 'serve.yaml'], { cwd });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('adapter "mis"');
  });

  it('refuses an adapter vLLM refuses to load (DoRA, modules_to_save), listing every reason', async () => {
    const cwd = workdir({ dora: LLAMA });
    const path = join(cwd, 'w', 'dora', 'adapter_config.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), use_dora: true, modules_to_save: ['lm_head'] }));
    // Before: exit 0 and a serve command whose server fails when it starts.
    const r = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'dora=w/dora'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^lorakit: adapter "dora" \(.*\) cannot be served by vLLM:\n {2}dora: use_dora is true: .*\n {2}modules_to_save: /m);
  });

  it('warns, and goes on, when the adapter names the served model by another path', async () => {
    const cwd = workdir({ legal: '/models/Meta-Llama-3-8B-Instruct' });
    const r = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'legal=w/legal'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('adapter "legal": base_model_name_or_path "/models/Meta-Llama-3-8B-Instruct" names the served model');
  });

  it('writes a relative adapter folder by its absolute path (compose mounts it); k8s refuses it without a volume', async () => {
    const cwd = workdir({ legal: LLAMA });
    const abs = join(cwd, 'w', 'legal');
    for (const spec of ['legal=./w/legal', 'legal=w/legal']) {
      const compose = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', spec, '--format', 'compose'], { cwd });
      expect(compose.code, compose.stderr).toBe(0);
      expect(compose.stdout).toContain(`- ${abs}:${abs}:ro`);
      expect(compose.stdout).toContain(`- legal=${abs}`);
      const k8s = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', spec, '--format', 'k8s'], { cwd });
      expect(k8s.code).toBe(2);
      expect(k8s.stderr).toContain(`the pod would not have ${abs}`);
    }
    // vLLM reads a path that does not exist from where it runs as a Hub repo id: "w/legal" started elsewhere would
    // be looked up on the Hub. Before, the serve config for this host kept the path as written.
    const yaml = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'legal=w/legal', '--format', 'yaml'], { cwd });
    expect(yaml.stdout).toContain(`- legal=${abs}`);
    const missing = await runCli(['vllm', 'config', '--base-model', LLAMA, '--adapter', 'legal=./nowhere', '--format', 'compose'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('write ./nowhere as an absolute path');
  });

  it('route counts an adapter once, on its newest version, however many versions the folder holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-vllm-route-'));
    const write = (folder: string, id: string, version: string, keywords: string[]) => {
      mkdirSync(join(dir, folder));
      const metadata = { adapter_id: id, adapter_version: version, base_model: { name: LLAMA }, task: { keywords }, training: { lora_rank: 16 } };
      writeFileSync(join(dir, folder, 'adapter_metadata.json'), JSON.stringify(metadata));
    };
    write('med-1', 'med', '1.0.0', ['schmerz']);
    write('med-2', 'med', '1.1.0', ['schmerz', 'Schmerz']);
    write('legal', 'legal', '1.0.0', ['anwalt']);
    const r = await runCli(['vllm', 'route', 'Mein Anwalt hat Kopfschmerzen', '--adapters', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { model: string; fallback: boolean; scores: { adapter: string; score: number }[] };
    expect(result.scores.map((s) => s.score)).toEqual([1, 1]);
    expect(result).toMatchObject({ model: LLAMA, fallback: true });
  });
});
