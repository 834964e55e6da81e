import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVllmClient, type CompletionRequest } from './index.js';
import { startFakeVllm, type FakeVllm } from '../test/fake-vllm-server.js';

const BASE = 'llama3-8b';
let server: FakeVllm;
let noRuntime: FakeVllm;

beforeAll(async () => {
  server = await startFakeVllm({ baseModel: BASE, apiKey: 'secret' });
  noRuntime = await startFakeVllm({ baseModel: BASE, runtimeUpdating: false });
});
afterAll(async () => {
  await server.close();
  await noRuntime.close();
});

describe('createVllmClient against a vLLM-shaped server', () => {
  it('refuses a baseUrl that is no http(s) URL when created, not on the first call', () => {
    for (const baseUrl of ['not a url', '127.0.0.1:8000', 'ftp://host/']) {
      expect(() => createVllmClient({ baseUrl }), baseUrl).toThrow(expect.objectContaining({ code: 'VLLM_CONFIG_INVALID', message: expect.stringContaining('is not an http(s) URL') }));
    }
  });

  it('loads an adapter, lists it with parent = base model, and unloads it', async () => {
    const vllm = createVllmClient({ baseUrl: `${server.url}/v1`, apiKey: 'secret' });
    await vllm.loadAdapter({ name: 'legal-de', path: '/adapters/legal-de' });
    expect(server.seen.at(-1)).toMatchObject({ path: '/v1/load_lora_adapter', authorization: 'Bearer secret', body: { lora_name: 'legal-de', lora_path: '/adapters/legal-de' } });
    const models = await vllm.listModels();
    expect(models.map((m) => [m.id, m.parent])).toEqual([[BASE, null], ['legal-de', BASE]]);
    await vllm.unloadAdapter('legal-de');
    expect(server.seen.at(-1)?.body).toEqual({ lora_name: 'legal-de' });
    expect((await vllm.listModels()).map((m) => m.id)).toEqual([BASE]);
  });

  it('selects the adapter through `model` and never sends a lora_name field', async () => {
    const vllm = createVllmClient({ baseUrl: server.url, apiKey: 'secret' });
    await vllm.loadAdapter({ name: 'medical-de', path: '/adapters/medical-de' });
    const completion = await vllm.complete({ model: 'medical-de', prompt: 'Symptome einer Grippe:', max_tokens: 16 });
    expect(completion.choices[0]?.text).toBe('answered by medical-de');
    const chat = await vllm.chat({ model: 'medical-de', messages: [{ role: 'user', content: 'Was hilft gegen Fieber?' }] });
    expect(chat.choices[0]?.message.content).toBe('answered by medical-de');
    const sent = server.seen.filter((r) => r.path.endsWith('completions'));
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(r.body?.['model']).toBe('medical-de');
      expect(r.body).not.toHaveProperty('lora_name');
    }
  });

  it('refuses a lora_name field before sending, since vLLM would silently answer with the base model', async () => {
    const vllm = createVllmClient({ baseUrl: server.url, apiKey: 'secret' });
    const before = server.seen.length;
    const sneaky = { model: BASE, prompt: 'x', lora_name: 'medical-de' } as unknown as CompletionRequest;
    await expect(vllm.complete(sneaky)).rejects.toMatchObject({ code: 'VLLM_BAD_REQUEST', message: expect.stringContaining('"model"') });
    const viaExtraBody = { model: BASE, prompt: 'x', extra_body: { lora_name: 'medical-de' } } as CompletionRequest;
    await expect(vllm.complete(viaExtraBody)).rejects.toMatchObject({
      code: 'VLLM_BAD_REQUEST',
      message: expect.stringContaining('"extra_body.lora_name"'),
    });
    expect(server.seen.length).toBe(before);
  });

  it('maps vLLM failures to typed errors', async () => {
    const vllm = createVllmClient({ baseUrl: server.url, apiKey: 'secret' });
    await vllm.loadAdapter({ name: 'env-en', path: '/adapters/env-en' });
    await expect(vllm.loadAdapter({ name: 'env-en', path: '/adapters/env-en' })).rejects.toMatchObject({ code: 'VLLM_ADAPTER_ALREADY_LOADED', status: 400 });
    await vllm.loadAdapter({ name: 'env-en', path: '/adapters/env-en-v2', loadInplace: true });
    await expect(vllm.complete({ model: 'no-such-adapter', prompt: 'x' })).rejects.toMatchObject({ code: 'VLLM_MODEL_NOT_FOUND', status: 404, message: expect.stringContaining('does not exist') });
    await expect(vllm.unloadAdapter('no-such-adapter')).rejects.toMatchObject({ code: 'VLLM_MODEL_NOT_FOUND' });
    await expect(vllm.chat({ model: 'crash', messages: [] })).rejects.toMatchObject({ code: 'VLLM_UPSTREAM_ERROR', status: 500 });
    await expect(createVllmClient({ baseUrl: server.url, apiKey: 'wrong' }).listModels()).rejects.toMatchObject({ code: 'VLLM_UNAUTHORIZED', status: 401 });
  });

  it('says when the server runs without VLLM_ALLOW_RUNTIME_LORA_UPDATING', async () => {
    const vllm = createVllmClient({ baseUrl: noRuntime.url });
    await expect(vllm.loadAdapter({ name: 'a', path: '/a' })).rejects.toMatchObject({ code: 'VLLM_RUNTIME_UPDATES_DISABLED', message: expect.stringContaining('VLLM_ALLOW_RUNTIME_LORA_UPDATING=True') });
  });

  it('reports a refused connection as VLLM_CONNECTION_FAILED', async () => {
    // Bind and release a port, so nothing listens on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(createVllmClient({ baseUrl: `http://127.0.0.1:${port}` }).listModels()).rejects.toMatchObject({ code: 'VLLM_CONNECTION_FAILED' });
  });

  it('reports a body that stalls past timeoutMs as VLLM_CONNECTION_FAILED, not a raw TimeoutError', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const stalled = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as { port: number };
    try {
      await expect(createVllmClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }).listModels()).rejects.toMatchObject({
        code: 'VLLM_CONNECTION_FAILED',
        message: expect.stringContaining('broke off'),
      });
    } finally {
      stalled.closeAllConnections();
      stalled.close();
    }
  });
});
