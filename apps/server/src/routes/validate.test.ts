import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServer, type TestServer } from '../../test/helpers.js';
import { toErrorResponse } from '../http-errors.js';

const schema = {
  type: 'object',
  required: ['output'],
  properties: { output: { type: 'string', minLength: 5 }, email: { type: 'string', format: 'email' } },
};

const ndjson = (lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
const parseLines = (body: string) =>
  body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('POST /v1/validate', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { stream_records: 50, stream_body_bytes: 64 * 1024 } });
  });
  afterAll(() => t.close());

  it('validates one JSON sample and reports every issue with its path', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/v1/validate', headers: auth('read'), payload: { schema, sample: { output: 'long enough' } } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ valid: true, issues: [] });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: auth('read'),
      payload: { schema, sample: { output: 'abc', email: 'not-an-email' } },
    });
    const body = bad.json();
    expect(body.valid).toBe(false);
    expect(body.issues.map((i: { path: string; code: string }) => `${i.path} ${i.code}`).sort()).toEqual([
      '/email format',
      '/output too_small',
    ]);
  });

  it('answers 400 with the schema-validation code for an invalid schema', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: auth('read'),
      payload: { schema: { type: 'no-such-type' }, sample: 1 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('SCHEMA_INVALID');
    const cases: [unknown, string][] = [
      [{ $ref: '#/definitions/x' }, 'SCHEMA_REF_NOT_FOUND'],
      [{ $schema: 'http://json-schema.org/draft-04/schema#', type: 'string' }, 'SCHEMA_UNSUPPORTED_DRAFT'],
    ];
    for (const [bad, code] of cases) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/validate', headers: auth('read'), payload: { schema: bad, sample: {} } });
      expect(r.statusCode, code).toBe(400);
      expect(r.json().error.code).toBe(code);
    }
  });

  it('answers 400 naming the field for a malformed body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/validate', headers: auth('read'), payload: { sample: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('schema');
  });

  it('streams NDJSON results with physical line numbers and a summary', async () => {
    const body = ndjson([{ schema }, { output: 'fine sample' }, '', { output: 'no' }, '{broken', { output: 'also fine' }]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = parseLines(res.body);
    expect(lines.map((l) => [l['line'], l['valid']])).toEqual([
      [2, true],
      [4, false],
      [5, false],
      [6, true],
      [undefined, undefined],
    ]);
    expect((lines[1]?.['issues'] as { code: string; line: number }[])[0]).toMatchObject({ code: 'too_small', line: 4 });
    expect((lines[2]?.['issues'] as { code: string }[])[0]?.code).toBe('parse');
    expect(lines[4]).toEqual({ summary: { lines: 6, blank: 1, samples: 4, valid: 2, invalid: 2 } });
  });

  it('refuses a stream whose first line is not a schema header', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
      payload: ndjson([{ output: 'sample first' }]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('line 1');
  });

  it('holds the header line to limits.body_bytes, and takes the media type in any case', async () => {
    const small = await startTestServer({ limits: { body_bytes: 2000 } });
    try {
      const huge = { schema: { ...schema, description: 'x'.repeat(3000) } };
      const res = await small.app.inject({
        method: 'POST',
        url: '/v1/validate',
        headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
        payload: ndjson([huge, { output: 'sample one' }]),
      });
      // Before: a 3 KB header (1.1 MB on the default server) was read whole and compiled.
      expect(res.statusCode).toBe(413);
      expect(res.json().error.message).toContain('limits.body_bytes');
    } finally {
      await small.close();
    }
    const upper = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: { ...auth('read'), 'content-type': 'Application/X-NDJSON' },
      payload: ndjson([{ schema }, { output: 'sample one' }]),
    });
    expect(upper.statusCode, upper.body).toBe(200);
    expect(parseLines(upper.body).at(-1)).toEqual({ summary: { lines: 2, blank: 0, samples: 1, valid: 1, invalid: 0 } });
  });

  it('answers 415, not 500, to NDJSON sent to a JSON route', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/adapters',
      headers: { ...auth('admin'), 'content-type': 'application/x-ndjson' },
      payload: '{"adapter_id":"a"}\n',
    });
    // Before: 500 SERVER_INTERNAL "function () { [native code] } could not be cloned".
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('SERVER_UNSUPPORTED_MEDIA_TYPE');
    // Before: 400 "expected object, received string" for text/plain, and 400 for JSON sent to the stream route.
    for (const [url, type] of [['/v1/route', 'text/plain'], ['/v1/validate', 'text/plain'], ['/v1/export/stream', 'application/json']] as const) {
      const wrong = await t.app.inject({ method: 'POST', url, headers: { ...auth('admin'), 'content-type': type }, payload: '{"text":"x"}' });
      expect(wrong.statusCode, `${url} ${type}`).toBe(415);
      expect(wrong.json().error.code).toBe('SERVER_UNSUPPORTED_MEDIA_TYPE');
    }
    // An empty text/plain body is no body (fetch with body ''): a DELETE still works.
    const removed = await t.app.inject({ method: 'DELETE', url: '/v1/exports/00000000-0000-4000-8000-000000000000', headers: { ...auth('admin'), 'content-type': 'text/plain' }, payload: '' });
    expect(removed.json().error.code).toBe('SERVER_NOT_FOUND');
    // Fastify's own 401/403/429 (@fastify/static's 403 for a path out of the docs' root) keep their own codes
    // (before: SERVER_BAD_REQUEST).
    for (const [status, code] of [[403, 'SERVER_FORBIDDEN'], [401, 'SERVER_UNAUTHORIZED'], [429, 'SERVER_RATE_LIMITED']] as const) {
      const error = Object.assign(new Error('x'), { code: 'FST_SOMETHING', statusCode: status });
      expect(toErrorResponse(error)).toMatchObject({ status, body: { error: { code } } });
    }
  });

  it('answers 413 when the declared body is over the stream limit', async () => {
    const big = ndjson([{ schema }, ...Array.from({ length: 3000 }, () => ({ output: 'x'.repeat(30) }))]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('SERVER_PAYLOAD_TOO_LARGE');
  });

  it('stops with an error line past the record limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/validate',
      headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
      payload: ndjson([{ schema }, ...Array.from({ length: 60 }, () => ({ output: 'sample' }))]),
    });
    const lines = parseLines(res.body);
    expect(lines.filter((l) => l['valid'] === true)).toHaveLength(50);
    expect(lines.at(-1)).toEqual({ error: { code: 'SERVER_PAYLOAD_TOO_LARGE', message: 'more than 50 records in one request' } });
  });

  it('stops a chunked body over the byte limit (no Content-Length) over real HTTP', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/validate`;
    const chunk = new TextEncoder().encode(ndjson(Array.from({ length: 100 }, () => ({ output: 'y'.repeat(100) }))));
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(ndjson([{ schema }])));
        for (let i = 0; i < 10; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
      body,
      duplex: 'half',
    } as RequestInit);
    const text = await res.text();
    expect(parseLines(text).at(-1)?.['error']).toMatchObject({ code: 'SERVER_PAYLOAD_TOO_LARGE' });
  });
});
