import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVllm, type FakeVllm } from '../../test/fake-vllm.js';
import { auth, startTestServer, TOKENS, type TestServer } from '../../test/helpers.js';
import { meta } from '../../test/metadata.js';
import { routingText } from './proxy.js';

describe('routingText', () => {
  it('takes the last user message, text parts, or the prompt', () => {
    expect(
      routingText({ messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'last' }] }),
    ).toBe('last');
    expect(routingText({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }] }] })).toBe('a  b');
    expect(routingText({ prompt: 'tax question' })).toBe('tax question');
    expect(routingText({ prompt: ['one', 'two'] })).toBe('one\ntwo');
  });
});

describe('OpenAI-compatible proxy over real HTTP', () => {
  let vllm: FakeVllm;
  let t: TestServer;
  let base: string;
  beforeAll(async () => {
    vllm = await startFakeVllm({ holdStream: true });
    t = await startTestServer(
      { upstream: { url: vllm.url, api_key_env: 'FAKE_VLLM_KEY' }, router: { base_model: 'Qwen/Qwen2.5-7B-Instruct' } },
      { env: { FAKE_VLLM_KEY: 'upstream-secret' } },
    );
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
    await vllm.close();
  });

  it('passes a named model through and returns the upstream JSON, with the upstream key, never the client token', async () => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('Hello world');
    const call = vllm.calls.at(-1);
    expect(call?.path).toBe('/v1/chat/completions');
    expect(call?.body).toEqual({ model: 'Qwen/Qwen2.5-7B-Instruct', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 });
    expect(call?.authorization).toBe('Bearer upstream-secret');
    expect(call?.authorization).not.toContain(TOKENS.read);
  });

  it('passes upstream errors on with their status and body', async () => {
    const res = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-model', prompt: 'x' }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { type: string }).type).toBe('NotFoundError');
  });

  it('relays SSE events as they arrive, before the upstream finished', async () => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The fake upstream holds everything after the first event until released: seeing it proves incremental relay.
    while (!text.includes('\n\n')) text += decoder.decode((await reader.read()).value);
    expect(text).toContain('"content":"Hello"');
    expect(text).not.toContain('[DONE]');
    vllm.release();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain('" world"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('cancels the upstream stream when the client goes away', async () => {
    vllm.hold();
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', stream: true, prompt: 'hi' }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    // The fake upstream holds its stream open until released; only the proxy cutting it ends the wait.
    await expect(Promise.race([vllm.aborted.then(() => 'aborted'), sleep(3000).then(() => 'still open')])).resolves.toBe('aborted');
    vllm.release();
  });

  it('routes model "auto" to the matching registered adapter and forwards its name', async () => {
    vllm.models.add('law-qa');
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/adapters',
      headers: auth('admin'),
      payload: meta('law-qa', '1.0.0', { domain: 'law', keywords: ['baugenehmigung'] }),
    });
    expect(reg.statusCode).toBe(201);
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Brauche ich eine Baugenehmigung für einen Carport?' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-lorakit-adapter')).toBe('law-qa');
    expect(vllm.calls.at(-1)?.body['model']).toBe('law-qa');
    const unmatched = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', prompt: 'What is the weather like?' }),
    });
    expect(unmatched.status).toBe(200);
    expect(vllm.calls.at(-1)?.body['model']).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('never routes model "auto" to an adapter trained on another base model', async () => {
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/adapters',
      headers: auth('admin'),
      payload: meta('tenancy-mistral', '1.0.0', { keywords: ['mietvertrag'] }, { base_model: { name: 'mistralai/Mistral-7B-v0.1' } }),
    });
    expect(reg.statusCode).toBe(201);
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Ist mein Mietvertrag gültig?' }] }),
    });
    expect(res.status).toBe(200);
    expect(vllm.calls.at(-1)?.body['model']).toBe('Qwen/Qwen2.5-7B-Instruct');
    const route = await t.app.inject({ method: 'POST', url: '/v1/route', headers: auth('read'), payload: { text: 'Mietvertrag' } });
    expect(route.json()).toMatchObject({ model: 'Qwen/Qwen2.5-7B-Instruct', adapter: null, fallback: true });
  });

  it('with router.served_model_name, matches adapters by the Hub id and sends the served name when none fits', async () => {
    const served = await startTestServer({
      upstream: { url: vllm.url, api_key_env: 'FAKE_VLLM_KEY' },
      router: { base_model: 'Qwen/Qwen2.5-7B-Instruct', served_model_name: 'qwen7b' },
    }, { env: { FAKE_VLLM_KEY: 'upstream-secret' } });
    vllm.models.add('qwen7b');
    vllm.models.add('tax-qa');
    try {
      const reg = await served.app.inject({ method: 'POST', url: '/v1/adapters', headers: auth('admin'), payload: meta('tax-qa', '1.0.0', { keywords: ['steuererklärung'] }) });
      expect(reg.statusCode).toBe(201);
      const matched = await served.app.inject({ method: 'POST', url: '/v1/route', headers: auth('read'), payload: { text: 'Wann muss die Steuererklärung fertig sein?' } });
      expect(matched.json()).toMatchObject({ model: 'tax-qa', adapter: 'tax-qa' });
      const res = await served.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: auth('read'),
        payload: { model: 'auto', messages: [{ role: 'user', content: 'What is the weather like?' }] },
      });
      expect(res.statusCode).toBe(200);
      expect(vllm.calls.at(-1)?.body['model']).toBe('qwen7b');
    } finally {
      await served.close();
      vllm.models.delete('qwen7b');
    }
  });

  it('refuses lora_name outside "model" instead of letting the base model answer', async () => {
    const before = vllm.calls.length;
    for (const extra of [{ lora_name: 'law-qa' }, { extra_body: { lora_name: 'law-qa' } }, { lora_request: {} }]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: auth('read'),
        payload: { model: 'Qwen/Qwen2.5-7B-Instruct', messages: [{ role: 'user', content: 'hi' }], ...extra },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'SERVER_BAD_REQUEST', message: expect.stringContaining('put the adapter name in "model"') });
    }
    expect(vllm.calls.length).toBe(before);
  });

  it('needs a token for the proxy', async () => {
    const res = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', prompt: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(vllm.calls.every((c) => c.body['prompt'] !== 'x' || c.body['model'] !== 'Qwen/Qwen2.5-7B-Instruct')).toBe(true);
  });
});

describe('proxy upstream URL', () => {
  it('accepts vLLM\'s OpenAI base URL (…/v1) without sending /v1/v1', async () => {
    const vllm = await startFakeVllm();
    const t = await startTestServer({ upstream: { url: `${vllm.url}/v1/` } });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: auth('read'),
        payload: { model: 'Qwen/Qwen2.5-7B-Instruct', messages: [{ role: 'user', content: 'hi' }] },
      });
      expect(res.statusCode).toBe(200);
      expect(vllm.calls.map((c) => c.path)).toEqual(['/v1/chat/completions']);
    } finally {
      await t.close();
      await vllm.close();
    }
  });
});

describe('proxy without upstream', () => {
  it('answers 503 SERVER_UPSTREAM_NOT_CONFIGURED', async () => {
    const t = await startTestServer();
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: auth('read'), payload: { model: 'x' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('SERVER_UPSTREAM_NOT_CONFIGURED');
    } finally {
      await t.close();
    }
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const t = await startTestServer({ upstream: { url: 'http://127.0.0.1:9' } });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/completions', headers: auth('read'), payload: { model: 'x', prompt: 'p' } });
      expect(res.statusCode).toBe(502);
      expect(res.json().error.code).toBe('SERVER_UPSTREAM_UNAVAILABLE');
    } finally {
      await t.close();
    }
  });
});
