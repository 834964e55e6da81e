import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLines, auth, startTestServer, type TestServer } from '../../test/helpers.js';
import { meta } from '../../test/metadata.js';

describe('adapter registry', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ router: { base_model: 'Qwen/Qwen2.5-7B-Instruct' } });
  });
  afterAll(() => t.close());

  const register = (body: unknown, scope: 'read' | 'export' | 'admin' = 'admin') =>
    t.app.inject({ method: 'POST', url: '/v1/adapters', headers: auth(scope), payload: body as object });

  it('registers with admin, refuses read and export tokens without storing anything', async () => {
    for (const scope of ['read', 'export'] as const) {
      const res = await register(meta('law-qa', '1.0.0'), scope);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('SERVER_FORBIDDEN');
    }
    expect((await t.app.inject({ url: '/v1/adapters/law-qa', headers: auth('read') })).statusCode).toBe(404);
    const ok = await register(meta('law-qa', '1.0.0', { domain: 'law', keywords: ['baugenehmigung', 'mietrecht'] }));
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ id: 'law-qa', version: '1.0.0' });
  });

  it('answers 409 for an existing id + version and keeps the first', async () => {
    const res = await register(meta('law-qa', '1.0.0', { domain: 'changed' }));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('SERVER_CONFLICT');
    const stored = await t.app.inject({ url: '/v1/adapters/law-qa/1.0.0', headers: auth('read') });
    expect(stored.json().domain).toBe('law');
  });

  it('answers 400 with each invalid field named', async () => {
    const res = await register({ adapter_id: 'Bad Id', base_model: {} });
    expect(res.statusCode).toBe(400);
    const paths = (res.json().error.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toContain('/adapter_id');
    expect(paths).toContain('/base_model/name');
  });

  it('writes audit lines for registrations and denials', () => {
    const lines = auditLines(t.logs);
    expect(lines).toContainEqual(expect.objectContaining({ who: 'root', action: 'adapter.register', target: 'law-qa@1.0.0', outcome: 'success' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'root', action: 'adapter.register', target: 'law-qa@1.0.0', outcome: 'failure' }));
    expect(lines).toContainEqual(expect.objectContaining({ who: 'reader', outcome: 'denied' }));
  });

  it('lists latest versions with filters and pages', async () => {
    await register(meta('law-qa', '1.1.0', { domain: 'law', keywords: ['baugenehmigung'] }));
    await register(meta('med-qa', '0.1.0', { domain: 'medicine', type: 'qa', keywords: ['schmerz'] }));
    await register(meta('tax-qa', '2.0.0', { domain: 'tax', keywords: ['steuer'] }, { base_model: { name: 'meta-llama/Llama-3.1-8B' } }));
    const all = (await t.app.inject({ url: '/v1/adapters?limit=2', headers: auth('read') })).json();
    expect(all.total).toBe(3);
    expect(all.items.map((a: { id: string; version: string }) => `${a.id}@${a.version}`)).toEqual(['law-qa@1.1.0', 'med-qa@0.1.0']);
    expect(all.next_offset).toBe(2);
    const page2 = (await t.app.inject({ url: '/v1/adapters?limit=2&offset=2', headers: auth('read') })).json();
    expect(page2.items.map((a: { id: string }) => a.id)).toEqual(['tax-qa']);
    expect(page2.next_offset).toBeNull();
    const byDomain = (await t.app.inject({ url: '/v1/adapters?domain=medicine', headers: auth('read') })).json();
    expect(byDomain.items.map((a: { id: string }) => a.id)).toEqual(['med-qa']);
    const byBase = (await t.app.inject({ url: '/v1/adapters?base_model=meta-llama/Llama-3.1-8B', headers: auth('read') })).json();
    expect(byBase.items.map((a: { id: string }) => a.id)).toEqual(['tax-qa']);
    // Hub ids in any case, as routing and deployments compare them (before: no result).
    const byBaseLower = (await t.app.inject({ url: '/v1/adapters?base_model=meta-llama/llama-3.1-8b', headers: auth('read') })).json();
    expect(byBaseLower.items.map((a: { id: string }) => a.id)).toEqual(['tax-qa']);
    const byTask = (await t.app.inject({ url: '/v1/adapters?task=qa', headers: auth('read') })).json();
    expect(byTask.items.map((a: { id: string }) => a.id)).toEqual(['med-qa']);
    const tooBig = await t.app.inject({ url: '/v1/adapters?limit=100000', headers: auth('read') });
    expect(tooBig.statusCode).toBe(400);
  });

  it('lists versions and returns one version', async () => {
    const versions = (await t.app.inject({ url: '/v1/adapters/law-qa', headers: auth('read') })).json();
    expect(versions.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);
    const one = (await t.app.inject({ url: '/v1/adapters/law-qa/1.1.0', headers: auth('read') })).json();
    expect(one.metadata.adapter_id).toBe('law-qa');
    expect(one.created_by).toBe('root');
    expect((await t.app.inject({ url: '/v1/adapters/law-qa/9.9.9', headers: auth('read') })).statusCode).toBe(404);
  });

  it('resolves lineage through parents and reports a missing parent', async () => {
    await register(meta('law-qa-de', '1.0.0', { domain: 'law' }, { provenance: { parent_adapter_id: 'law-qa', parent_adapter_version: '1.0.0' } }));
    const lineage = (await t.app.inject({ url: '/v1/adapters/law-qa-de/lineage', headers: auth('read') })).json();
    expect(lineage.chain.map((c: { id: string; version: string }) => `${c.id}@${c.version}`)).toEqual(['law-qa-de@1.0.0', 'law-qa@1.0.0']);
    await register(meta('orphan', '1.0.0', {}, { provenance: { parent_adapter_id: 'gone' } }));
    const orphan = await t.app.inject({ url: '/v1/adapters/orphan/lineage', headers: auth('read') });
    expect(orphan.statusCode).toBe(422);
    expect(orphan.json().error.code).toBe('METADATA_PARENT_NOT_FOUND');
  });

  it('refuses a registration that closes a lineage cycle, which immutable versions could never undo', async () => {
    expect((await register(meta('cyc-a', '1.0.0', {}, { provenance: { parent_adapter_id: 'cyc-b', parent_adapter_version: '1.0.0' } }))).statusCode).toBe(201);
    // Before: 201, and both lineages answered 422 METADATA_LINEAGE_CYCLE for good.
    for (const parent of [{ parent_adapter_id: 'cyc-a', parent_adapter_version: '1.0.0' }, { parent_adapter_id: 'cyc-a' }]) {
      const closing = await register(meta('cyc-b', '1.0.0', {}, { provenance: parent }));
      expect(closing.statusCode, JSON.stringify(parent)).toBe(422);
      expect(closing.json().error.code).toBe('METADATA_LINEAGE_CYCLE');
    }
    expect((await t.app.inject({ url: '/v1/adapters/cyc-b', headers: auth('read') })).statusCode).toBe(404);
    // cyc-a named cyc-b before it was registered (allowed); cyc-b without a parent closes no cycle.
    expect((await register(meta('cyc-b', '1.0.0'))).statusCode).toBe(201);
    expect((await t.app.inject({ url: '/v1/adapters/cyc-a/lineage', headers: auth('read') })).statusCode).toBe(200);
  });

  it('renders the model card and the PEFT config', async () => {
    const card = await t.app.inject({ url: '/v1/adapters/law-qa/1.0.0/card', headers: auth('read') });
    expect(card.statusCode).toBe(200);
    expect(card.headers['content-type']).toMatch(/^text\/markdown/);
    expect(card.body.startsWith('---\n')).toBe(true);
    expect(card.body).toContain('Qwen/Qwen2.5-7B-Instruct');
    const peft = (await t.app.inject({ url: '/v1/adapters/law-qa/1.0.0/peft-config', headers: auth('read') })).json();
    expect(peft).toMatchObject({ peft_type: 'LORA', r: 16, lora_alpha: 32, base_model_name_or_path: 'Qwen/Qwen2.5-7B-Instruct' });
  });

  it('refuses a PEFT config with 422 naming the hyper-parameters the registration left out', async () => {
    const bare = meta('no-training', '1.0.0');
    delete bare['training'];
    expect((await register(bare)).statusCode).toBe(201);
    const res = await t.app.inject({ url: '/v1/adapters/no-training/1.0.0/peft-config', headers: auth('read') });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('SERVER_METADATA_INCOMPLETE');
    expect(res.json().error.message).toContain('training.lora_rank, training.lora_alpha, training.lora_dropout');
    const partial = meta('alpha-only', '1.0.0', {}, { training: { lora_rank: 16, lora_alpha: 32 } });
    expect((await register(partial)).statusCode).toBe(201);
    const res2 = await t.app.inject({ url: '/v1/adapters/alpha-only/1.0.0/peft-config', headers: auth('read') });
    expect(res2.statusCode).toBe(422);
    expect(res2.json().error.message).toMatch(/without training\.lora_dropout:/);
    const full = meta('complete', '1.0.0', {}, { training: { lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05 } });
    expect((await register(full)).statusCode).toBe(201);
    const ok = await t.app.inject({ url: '/v1/adapters/complete/1.0.0/peft-config', headers: auth('read') });
    expect(ok.json()).toMatchObject({ r: 16, lora_alpha: 32, lora_dropout: 0.05 });
  });

  it('routes text to the adapter whose keywords match', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/route',
      headers: auth('read'),
      payload: { text: 'Wie lange dauert eine Baugenehmigung in Bayern?' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.adapter).toBe('law-qa');
    expect(body.model).toBe('law-qa');
    expect(body.confidence).toBeGreaterThan(0);
    expect(typeof body.reason).toBe('string');
    const none = (await t.app.inject({ method: 'POST', url: '/v1/route', headers: auth('read'), payload: { text: 'hello there' } })).json();
    expect(none.adapter).toBeNull();
    expect(none.model).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('turns registered adapters into vLLM serve args, YAML, compose and Kubernetes output with warnings', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/deployments/vllm',
      headers: auth('read'),
      payload: {
        serve: { model: 'Qwen/Qwen2.5-7B-Instruct' },
        adapters: [{ id: 'law-qa' }, { id: 'med-qa', path: '/mnt/med' }],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.args).toContain('--enable-lora');
    expect(body.args.join(' ')).toContain('law-qa');
    expect(body.args.join(' ')).toContain('/adapters/law-qa/1.1.0');
    expect(body.args.join(' ')).toContain('/mnt/med');
    expect(body.yaml).toContain('Qwen/Qwen2.5-7B-Instruct');
    // No adapter volume: a manifest whose pod lacks /adapters/law-qa/1.1.0 would not start.
    expect(body.kubernetes).toBeNull();
    expect(body.warnings.join('\n')).toContain('set adapterVolumeClaim');
    const mounted = await t.app.inject({
      method: 'POST',
      url: '/v1/deployments/vllm',
      headers: auth('read'),
      payload: { serve: { model: 'Qwen/Qwen2.5-7B-Instruct', adapterVolumeClaim: 'loras' }, adapters: [{ id: 'law-qa' }] },
    });
    expect(mounted.json().kubernetes).toContain('claimName: loras');
    expect(body.compose).toContain('vllm');
    const missing = await t.app.inject({
      method: 'POST',
      url: '/v1/deployments/vllm',
      headers: auth('read'),
      payload: { serve: { model: 'x' }, adapters: [{ id: 'nope' }] },
    });
    expect(missing.statusCode).toBe(404);
    const invalid = await t.app.inject({ method: 'POST', url: '/v1/deployments/vllm', headers: auth('read'), payload: { serve: { port: 0 } } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.issues.map((i: { path: string }) => i.path)).toContain('/serve/model');
  });

  it('refuses to deploy an adapter trained on another base model; Hub ids match ignoring case', async () => {
    const deploy = (model: string, id: string) =>
      t.app.inject({ method: 'POST', url: '/v1/deployments/vllm', headers: auth('read'), payload: { serve: { model }, adapters: [{ id }] } });
    const other = await deploy('Qwen/Qwen2.5-7B-Instruct', 'tax-qa');
    expect(other.statusCode).toBe(400);
    expect(other.json().error).toMatchObject({
      code: 'SERVER_BAD_REQUEST',
      message: expect.stringContaining('adapter "tax-qa@2.0.0" was trained on meta-llama/Llama-3.1-8B, but the deployment serves Qwen/Qwen2.5-7B-Instruct'),
    });
    expect((await deploy('qwen/qwen2.5-7b-instruct', 'law-qa')).statusCode).toBe(200);
    // serving_name is the string given to `vllm serve`, e.g. a local copy of the base model.
    const local = meta('law-local', '1.0.0', {}, { base_model: { name: 'Qwen/Qwen2.5-7B-Instruct', serving_name: '/models/qwen' } });
    expect((await register(local)).statusCode).toBe(201);
    expect((await deploy('/models/qwen', 'law-local')).statusCode).toBe(200);
    // The same model by another path, without serving_name: served, with a warning (as checkAdapter says).
    const copy = await deploy('/models/Qwen2.5-7B-Instruct', 'law-qa');
    expect(copy.statusCode).toBe(200);
    expect(copy.json().warnings.join('\n')).toContain('the deployment serves /models/Qwen2.5-7B-Instruct: the same model by another path');
  });

  it('gives compose as null with a warning for a relative adapter path it could not mount', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/deployments/vllm',
      headers: auth('read'),
      payload: { serve: { model: 'Qwen/Qwen2.5-7B-Instruct' }, adapters: [{ id: 'law-qa', path: './adapters/law-qa' }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ compose: null, kubernetes: null });
    expect(res.json().warnings.join('\n')).toContain('compose is null: no compose service: compose mounts each local adapter directory');
  });

  it('refuses to deploy an adapter registered without its rank, unless serve.lora.maxLoraRank is set', async () => {
    const bare = meta('no-rank', '1.0.0');
    delete bare['training'];
    expect((await register(bare)).statusCode).toBe(201);
    const deploy = (serve: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/v1/deployments/vllm', headers: auth('read'), payload: { serve, adapters: [{ id: 'no-rank' }] } });
    const refused = await deploy({ model: 'Qwen/Qwen2.5-7B-Instruct' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'SERVER_METADATA_INCOMPLETE', message: expect.stringContaining('serve.lora.maxLoraRank') });
    const given = await deploy({ model: 'Qwen/Qwen2.5-7B-Instruct', lora: { maxLoraRank: 64 } });
    expect(given.statusCode).toBe(200);
    expect(given.json().args.join(' ')).toContain('--max-lora-rank 64');
    expect(given.json().config.adapters[0]).not.toHaveProperty('rank');
    expect(given.json().warnings.join('\n')).toContain('adapter "no-rank" has no rank');
  });

  it('refuses a model card with 422 when the registration left out the LoRA hyper-parameters it states', async () => {
    const bare = meta('card-bare', '1.0.0');
    delete bare['training'];
    expect((await register(bare)).statusCode).toBe(201);
    const res = await t.app.inject({ url: '/v1/adapters/card-bare/1.0.0/card', headers: auth('read') });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'SERVER_METADATA_INCOMPLETE', message: expect.stringContaining('training.lora_rank') });
    expect(res.body).not.toContain('LoRA rank (r)');
  });

  it('takes the highest release as latest in lists, lineage, deployments and routing', async () => {
    for (const version of ['1.0.0', '1.0.10', '1.1.0-rc.1', '1.0.9']) {
      expect((await register(meta('legal', version, { domain: 'legal', keywords: ['vertragsrecht'] }))).statusCode).toBe(201);
    }
    const list = (await t.app.inject({ url: '/v1/adapters?domain=legal', headers: auth('read') })).json();
    expect(list.items.map((a: { version: string }) => a.version)).toEqual(['1.0.10']);
    const versions = (await t.app.inject({ url: '/v1/adapters/legal', headers: auth('read') })).json();
    expect(versions.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.0.9', '1.0.10', '1.1.0-rc.1']);
    const lineage = (await t.app.inject({ url: '/v1/adapters/legal/lineage', headers: auth('read') })).json();
    expect(lineage.chain[0].version).toBe('1.0.10');
    const deployment = await t.app.inject({
      method: 'POST',
      url: '/v1/deployments/vllm',
      headers: auth('read'),
      payload: { serve: { model: 'Qwen/Qwen2.5-7B-Instruct' }, adapters: [{ id: 'legal' }] },
    });
    expect(deployment.json().args.join(' ')).toContain('/adapters/legal/1.0.10');
    expect((await t.app.inject({ url: '/', headers: auth('read') })).body).toContain('href="/v1/adapters/legal/1.0.10/card"');
  });

  it('refuses to route without router.base_model, naming the setting', async () => {
    const bare = await startTestServer();
    try {
      const res = await bare.app.inject({ method: 'POST', url: '/v1/route', headers: auth('read'), payload: { text: 'Baugenehmigung' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'SERVER_ROUTER_NOT_CONFIGURED', message: expect.stringContaining('router.base_model') });
    } finally {
      await bare.close();
    }
  });

  it('renders the dashboard with adapters, escaping their fields', async () => {
    const res = await t.app.inject({ url: '/', headers: auth('read') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('href="/v1/adapters/law-qa/1.1.0/card"');
    expect((await t.app.inject({ url: '/' })).statusCode).toBe(401);
  });
});
