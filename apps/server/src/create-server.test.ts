import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServer, type TestServer } from '../test/helpers.js';

describe('createServer without tokens', () => {
  it('answers only requests addressed to a loopback name (no DNS rebinding from a web page)', async () => {
    const t = await startTestServer({ tokens: [] });
    try {
      for (const host of ['localhost:8080', '127.0.0.1:8080', '127.0.0.1', '[::1]:8080', 'LOCALHOST']) {
        expect((await t.app.inject({ url: '/v1/adapters', headers: { host } })).statusCode, host).toBe(200);
      }
      // Before: 200, the anonymous admin, for a page whose name was made to point at 127.0.0.1.
      for (const host of ['attacker.example:8080', '127.0.0.1.attacker.example', 'localhost.attacker.example']) {
        const res = await t.app.inject({ url: '/v1/adapters', headers: { host } });
        expect(res.statusCode, host).toBe(403);
        expect(res.json().error.message).toContain('no loopback name');
      }
      expect((await t.app.inject({ url: '/healthz', headers: { host: 'attacker.example' } })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('createServer: operations, auth, limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { rate_limit_max: 5, rate_limit_window_ms: 60_000, body_bytes: 1024 } });
  });
  afterAll(() => t.close());

  it('answers /healthz and /readyz without a token', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', store: 'sqlite' });
  });

  it('serves Prometheus metrics with request and job counters', async () => {
    await t.app.inject({ url: '/healthz' });
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/lorakit_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toContain('lorakit_export_jobs{state="running"} 0');
  });

  it('refuses requests without a valid bearer token', async () => {
    const none = await t.app.inject({ url: '/docs/json' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('SERVER_UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="lorakit"');
    const wrong = await t.app.inject({ url: '/docs/json', headers: { authorization: 'Bearer not-a-real-token-xxxx' } });
    expect(wrong.statusCode).toBe(401);
    const unknownRoute = await t.app.inject({ url: '/v1/nothing-here' });
    expect(unknownRoute.statusCode).toBe(401);
  });

  it('serves the OpenAPI document and the docs page to a read token', async () => {
    const doc = await t.app.inject({ url: '/docs/json', headers: auth('read') });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths as object);
    expect(paths).toContain('/v1/chat/completions');
    expect(paths).toContain('/readyz');
    // The status codes the routes answer with (before: "200 Default Response" everywhere), and no token for health.
    type Op = { responses: Record<string, unknown>; security?: unknown[] };
    const op = (path: string, method: string) => (doc.json().paths as Record<string, Record<string, Op>>)[path]?.[method];
    expect(Object.keys(op('/v1/adapters', 'post')?.responses ?? {})).toContain('201');
    expect(Object.keys(op('/v1/exports', 'post')?.responses ?? {})).toContain('202');
    expect(Object.keys(op('/v1/exports/{id}', 'delete')?.responses ?? {})).toContain('202');
    for (const path of ['/healthz', '/readyz', '/metrics']) expect(op(path, 'get')?.security, path).toEqual([]);
    // Error answers and their body, on the routes that give them (not on the public ones).
    const errors = op('/v1/adapters', 'post')?.responses as Record<string, { content?: Record<string, { schema?: { properties?: object } }> }>;
    expect(Object.keys(errors)).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
    expect(Object.keys(errors['400']?.content?.['application/json']?.schema?.properties ?? {})).toEqual(['error']);
    expect(Object.keys(op('/healthz', 'get')?.responses ?? {})).toEqual(['200']);
    const page = await t.app.inject({ url: '/docs/', headers: auth('read') });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
    const asset = await t.app.inject({ url: '/docs/static/swagger-ui.css', headers: auth('read') });
    expect(asset.statusCode).toBe(200);
  });

  it('answers 413 for a JSON body over the limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...auth('read'), 'content-type': 'application/json' },
      payload: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(2000) }] }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('SERVER_PAYLOAD_TOO_LARGE');
  });
});

describe('createServer: rate limit per token', () => {
  it('limits each token separately and answers 429', async () => {
    const t = await startTestServer({ limits: { rate_limit_max: 3, rate_limit_window_ms: 60_000 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await t.app.inject({ url: '/docs/json', headers: auth('read') })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const limited = await t.app.inject({ url: '/docs/json', headers: auth('read') });
      expect(limited.json().error.code).toBe('SERVER_RATE_LIMITED');
      expect(limited.json().error.message).toMatch(/^rate limit of 3 requests per 1 minute reached; retry in \d+ (?:seconds?|minutes?)$/);
      // Another token has its own budget.
      expect((await t.app.inject({ url: '/docs/json', headers: auth('admin') })).statusCode).toBe(200);
      // Health is never limited.
      for (let i = 0; i < 5; i++) expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('createServer: failed token checks', () => {
  it('refuses an address that sent 30 missing or unknown tokens, until its window ends', async () => {
    const t = await startTestServer({ limits: { rate_limit_window_ms: 60_000 } });
    try {
      // Before: 700 wrong tokens gave 700 × 401 and never a 429 (the limit counts by token once one is known).
      const codes: number[] = [];
      for (let i = 0; i < 31; i++) {
        codes.push((await t.app.inject({ url: '/v1/adapters', headers: { authorization: `Bearer wrong-token-${i}-xxxxxxxx` } })).statusCode);
      }
      expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
      expect(codes[30]).toBe(429);
      // Every request from it, a valid token's too: a 200 would tell a guess was right.
      const valid = await t.app.inject({ url: '/v1/adapters', headers: auth('read') });
      expect(valid.statusCode).toBe(429);
      expect(valid.json().error.message).toMatch(/^30 requests with a missing or unknown token from this address; retry in \d+ s$/);
      // Before: no Retry-After, unlike the request rate limit's 429.
      expect(Number(valid.headers['retry-after'])).toBeGreaterThan(50);
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('scopes across every route', () => {
  it('answers 401 without a token on every route but health, metrics and the favicon', async () => {
    const t = await startTestServer();
    try {
      const doc = (await t.app.inject({ url: '/docs/json', headers: auth('admin') })).json() as { paths: Record<string, object> };
      const open = new Set(['/healthz', '/readyz', '/metrics']);
      let checked = 0;
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const method of Object.keys(methods)) {
          const url = path.replace(/\{[^}]+\}/g, '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11');
          const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url, ...(method !== 'get' && { payload: {} }) });
          if (open.has(path)) expect(res.statusCode, `${method} ${path}`).not.toBe(401);
          else expect(res.statusCode, `${method} ${path}`).toBe(401);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(15);
    } finally {
      await t.close();
    }
  });

  it('refuses every mutating route to a read token', async () => {
    const t = await startTestServer();
    try {
      const doc = (await t.app.inject({ url: '/docs/json', headers: auth('admin') })).json() as { paths: Record<string, object> };
      // POSTs that compute an answer and change nothing on the server.
      const readOnly = new Set(['/v1/validate', '/v1/route', '/v1/deployments/vllm', '/v1/chat/completions', '/v1/completions']);
      const mutating: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const method of Object.keys(methods)) {
          if (method === 'get' || method === 'head' || readOnly.has(path)) continue;
          mutating.push(`${method} ${path}`);
          const url = path.replace(/\{[^}]+\}/g, '6f1c1b9e-2d1a-4c3b-9a57-0d4f7b3e8a11');
          const res = await t.app.inject({ method: method.toUpperCase() as 'POST', url, headers: auth('read'), payload: {} });
          expect(res.statusCode, `${method} ${path}`).toBe(403);
        }
      }
      expect(mutating.sort()).toEqual(['delete /v1/exports/{id}', 'post /v1/adapters', 'post /v1/export/stream', 'post /v1/exports']);
    } finally {
      await t.close();
    }
  });
});

