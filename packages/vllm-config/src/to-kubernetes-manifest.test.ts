import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { toComposeService, toEnv, toKubernetesManifest, toServeArgs } from './index.js';
import { threeAdapters } from '../test/three-adapters.js';

interface Container {
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  ports: { containerPort: number }[];
}

describe('toKubernetesManifest', () => {
  const config = { ...threeAdapters, tensorParallelSize: 2, resolverCacheDir: '/adapters/cache', adapterVolumeClaim: 'lora-adapters' };

  it('is a Deployment and a Service; the container runs vllm/vllm-openai with the argv and a GPU request', () => {
    const docs = parseAllDocuments(toKubernetesManifest(config)).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs.map((d) => d['kind'])).toEqual(['Deployment', 'Service']);
    const deployment = docs[0] as { spec: { template: { spec: { containers: Container[] } } } };
    const container = deployment.spec.template.spec.containers[0] as Container;
    expect(container.image).toBe('vllm/vllm-openai:v0.11.0');
    expect(container.command).toEqual(['vllm', 'serve']);
    expect(container.args).toEqual(toServeArgs(config));
    expect(container.resources.requests['nvidia.com/gpu']).toBe('2');
    expect(container.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(container.env).toContainEqual({ name: 'VLLM_ALLOW_RUNTIME_LORA_UPDATING', value: 'True' });
    expect(container.env).toContainEqual({ name: 'VLLM_PLUGINS', value: 'lora_filesystem_resolver' });
    const service = docs[1] as { spec: { ports: { port: number }[]; selector: Record<string, string> } };
    expect(service.spec.ports[0]?.port).toBe(8000);
    expect(service.spec.selector).toEqual((docs[0] as { spec: { selector: { matchLabels: unknown } } }).spec.selector.matchLabels);
  });
});

describe('toKubernetesManifest: adapter directories', () => {
  it('refuses local adapter paths the pod would not have, naming adapterVolumeClaim', () => {
    const noClaim = { model: 'Qwen/Qwen2.5-7B-Instruct', adapters: [{ name: 'legal', path: '/adapters/legal' }] };
    expect(() => toKubernetesManifest(noClaim)).toThrow(
      expect.objectContaining({ code: 'VLLM_CONFIG_INVALID', message: expect.stringContaining('set adapterVolumeClaim') }),
    );
    const outside = { ...noClaim, adapterVolumeClaim: 'loras', adapters: [{ name: 'tax', path: '/mnt/tax' }] };
    expect(() => toKubernetesManifest(outside)).toThrow(/\/mnt\/tax.*must be under \/adapters/);
  });

  it('mounts the claim for adapters under /adapters; Hub repo ids need no volume', () => {
    const docs = parseAllDocuments(
      toKubernetesManifest({ model: 'Qwen/Qwen2.5-7B-Instruct', adapterVolumeClaim: 'loras', adapters: [{ name: 'legal', path: '/adapters/legal' }] }),
    ).map((d) => d.toJS() as { spec?: { template?: { spec: { volumes: { name: string }[] } } } });
    expect(docs[0]?.spec?.template?.spec.volumes.map((v) => v.name)).toEqual(['dshm', 'adapters']);
    expect(() => toKubernetesManifest({ model: 'Qwen/Qwen2.5-7B-Instruct', adapters: [{ name: 'sql', path: 'acme/sql-lora' }] })).not.toThrow();
  });

  it('takes ./, ../ and multi-part relative paths as local directories the pod would not have, with or without a claim', () => {
    // adapters/law/1.0.0 has more parts than a Hub repo id (org/name) can have.
    for (const path of ['./w/legal', '../w/legal', '~/w/legal', '.', 'adapters/law/1.0.0']) {
      const config = { model: 'Qwen/Qwen2.5-7B-Instruct', adapters: [{ name: 'legal', path }] };
      expect(() => toKubernetesManifest(config), path).toThrow(`the pod would not have ${path}`);
      expect(() => toKubernetesManifest({ ...config, adapterVolumeClaim: 'loras' }), path).toThrow(/must be under \/adapters/);
    }
  });
});

describe('toComposeService', () => {
  it('runs vllm serve with the argv, reserves the GPUs and mounts the adapter dirs read-only', () => {
    const doc = parse(toComposeService({ ...threeAdapters, runtimeLoraUpdating: true })) as {
      services: Record<string, { image: string; entrypoint: string[]; command: string[]; environment: Record<string, string>; volumes: string[]; deploy: { resources: { reservations: { devices: { count: number; capabilities: string[] }[] } } } }>;
    };
    const svc = doc.services['vllm'];
    expect(svc?.image).toBe('vllm/vllm-openai:v0.11.0');
    expect(svc?.entrypoint).toEqual(['vllm', 'serve']);
    expect(svc?.command).toEqual(toServeArgs(threeAdapters));
    expect(svc?.environment).toEqual({ VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' });
    expect(svc?.volumes).toContain('/adapters/legal-de:/adapters/legal-de:ro');
    expect(svc?.deploy.resources.reservations.devices[0]).toMatchObject({ count: 1, capabilities: ['gpu'] });
  });

  it('refuses a relative local adapter path, which it could not mount at the same path', () => {
    const config = { model: 'm', adapters: [{ name: 'hub', path: 'acme/sql-lora' }, { name: 'legal', path: './w/legal' }] };
    expect(() => toComposeService(config)).toThrow(
      expect.objectContaining({
        code: 'VLLM_CONFIG_INVALID',
        message: expect.stringContaining('write ./w/legal as an absolute path'),
        issues: [expect.objectContaining({ code: 'adapter_path_relative', path: '/adapters/1/path' })],
      }),
    );
    const hubOnly = (parse(toComposeService({ model: 'm', adapters: [{ name: 'hub', path: 'acme/sql-lora' }] })) as { services: Record<string, { volumes: string[] }> }).services['vllm'];
    expect(hubOnly?.volumes).toEqual(['${HOME}/.cache/huggingface:/root/.cache/huggingface']);
  });

  it('writes a $ in a path as $$, so Compose does not replace it with a variable', () => {
    const config = { model: 'm', adapters: [{ name: 'a', path: '/data/$HOME/a', rank: 8 }] };
    const svc = (parse(toComposeService(config)) as { services: Record<string, { command: string[]; volumes: string[] }> }).services['vllm'];
    expect(svc?.volumes).toContain('/data/$$HOME/a:/data/$$HOME/a:ro');
    expect(svc?.volumes[0]).toBe('${HOME}/.cache/huggingface:/root/.cache/huggingface');
    expect(svc?.command.join(' ')).toContain('a=/data/$$HOME/a');
    expect(svc?.command.join(' ')).not.toMatch(/[^$]\$HOME/);
  });
});

describe('toEnv', () => {
  it('is empty unless runtime updating or the filesystem resolver is on; the resolver implies runtime updating', () => {
    expect(toEnv(threeAdapters)).toEqual({});
    expect(toEnv({ model: 'm', resolverCacheDir: '/loras' })).toEqual({
      VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True',
      VLLM_PLUGINS: 'lora_filesystem_resolver',
      VLLM_LORA_RESOLVER_CACHE_DIR: '/loras',
    });
  });
});
