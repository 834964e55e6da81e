import { mkdtempSync, readFileSync } from 'node:fs';
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
