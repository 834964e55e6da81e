import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLines, auth, startTestServer, type TestServer } from '../../test/helpers.js';

const config = { style: 'chat', split: { validation: 0 }, dedup: { exact: true } };
const record = (i: number) => ({ instruction: `Question number ${i}?`, input: '', output: `Answer number ${i}, long enough.` });
const body = (records: unknown[], cfg: object = config) =>
  [JSON.stringify({ config: cfg }), ...records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)))].join('\n') + '\n';
const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const ndjsonHeaders = { ...auth('export'), 'content-type': 'application/x-ndjson' };

describe('POST /v1/export/stream', () => {
  let t: TestServer;
  let base: string;
  beforeAll(async () => {
    t = await startTestServer({ limits: { stream_records: 2_000_000 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  it('streams training lines for NDJSON records', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1), record(2)]) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const out = lines(res.body);
    expect(out).toHaveLength(2);
    expect(out[0]?.['messages']).toEqual([
      { role: 'user', content: 'Question number 1?' },
      { role: 'assistant', content: 'Answer number 1, long enough.' },
    ]);
  });

  it('reads a gzip-compressed record stream (the exporter sniffs the magic bytes) after a plain header line', async () => {
    const records = gzipSync(Buffer.from([record(1), record(2), record(3)].map((r) => JSON.stringify(r)).join('\n') + '\n'));
    const payload = Buffer.concat([Buffer.from(`${JSON.stringify({ config })}\n`), records]);
    const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload });
    expect(res.statusCode).toBe(200);
    expect(lines(res.body)).toHaveLength(3);
  });

  it('adds rejects and a last stats line on request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/export/stream?rejects=true&stats=true',
      headers: ndjsonHeaders,
      payload: body([record(1), record(1), '{not json', { instruction: 'no output' }]),
    });
    const out = lines(res.body);
    const rejects = out.filter((l) => 'reject' in l);
    expect(rejects).toHaveLength(3);
    const last = out.at(-1) as { stats: { read: number; exported: number; rejected: number } };
    expect(last.stats).toMatchObject({ read: 4, exported: 1, rejected: 3 });
  });

  it('refuses a bad filter, gate, inline schema or language code with 400 and the key path, and any gate', async () => {
    const badFilter = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], { ...config, filter: '(( lang ==' }) });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID', message: expect.stringContaining('filter: Invalid filter expression at column') });
    const badGate = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], { ...config, quality_metrics: { gates: ['noSuchMetric >= 1'] } }) });
    expect(badGate.statusCode).toBe(400);
    expect(badGate.json().error).toMatchObject({ code: 'EXPORT_CONFIG_INVALID', message: expect.stringContaining('quality_metrics.gates.0: gate "noSuchMetric >= 1": unknown metric') });
    for (const [cfg, message] of [
      [{ ...config, quality_metrics: { gates: ['samples >= 1'] } }, /^config\.quality_metrics\.gates: a stream has no quality report/],
      [{ ...config, structured_gen: { enabled: true, json_schema: { type: 'nonsense' } } }, /^config\.structured_gen\.json_schema: /],
      // Before: read whole into memory first (1.9 GB of RSS for a 220 MB array).
      [{ ...config, source: { type: 'stdin', format: 'json' } }, /^config\.source\.format: "json" \(one array\) is read whole/],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], cfg) });
      expect(res.statusCode, JSON.stringify(cfg)).toBe(400);
      expect(res.json().error.code).toBe('SERVER_BAD_REQUEST');
      expect(res.json().error.message).toMatch(message);
    }
  });

  it('refuses with 400, before answering 200, what starting the export refuses: PII hashing without a key, a custom style without keys', async () => {
    // Before: HTTP 200 and a single error line, the response already started.
    for (const [cfg, code, message] of [
      [{ ...config, pii: { policy: 'redact', strategy: 'hash' } }, 'EXPORT_CONFIG_INVALID', 'pii.strategy "hash" needs an HMAC key'],
      [{ ...config, pii: { policy: 'redact', strategy: 'hash', hash_key: 'short' } }, 'EXPORT_CONFIG_INVALID', 'at least 16 characters'],
      [{ ...config, style: 'custom' }, 'EXPORT_MAPPING_INVALID', 'style "custom" needs format.custom'],
      // Before: 200 and an error line.
      [{ ...config, structured_gen: { enabled: true } }, 'EXPORT_SCHEMA_INVALID', 'structured_gen.json_schema is not set'],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], cfg) });
      expect(res.statusCode, JSON.stringify(cfg)).toBe(400);
      expect(res.json().error).toMatchObject({ code, message: expect.stringContaining(message) });
    }
  });

  it('refuses a language that is no ISO 639-1 code with 400 naming the key', async () => {
    const cfg = { ...config, quality_metrics: { expected_languages: ['english'] } };
    const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], cfg) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/quality_metrics\.expected_languages\.0: must be an ISO 639-1 language code/);
  });

  it('accepts thread settings of a job config: a stream starts no worker threads', async () => {
    const cfg = { ...config, worker_threads: 4, quality_metrics: { worker_threads: 3 } };
    const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], cfg) });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('needs the export scope', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/export/stream',
      headers: { ...auth('read'), 'content-type': 'application/x-ndjson' },
      payload: body([record(1)]),
    });
    expect(res.statusCode).toBe(403);
  });

  it('refuses a source, a schema file path or a hash key variable from the request', async () => {
    for (const cfg of [
      { ...config, source: { type: 'jsonl', path: '/etc/passwd' } },
      { ...config, structured_gen: { enabled: true, json_schema: '/etc/schema.json' } },
      { ...config, pii: { policy: 'redact', strategy: 'hash', hash_key_env: 'DATABASE_URL' } },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], cfg) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('SERVER_BAD_REQUEST');
    }
  });

  it('answers 413 for a header line over limits.body_bytes, even when it arrives in one piece', async () => {
    const small = await startTestServer({ limits: { body_bytes: 65536 } });
    try {
      const padded = { ...config, pad: 'x'.repeat(100 * 1024) };
      const res = await small.app.inject({ method: 'POST', url: '/v1/export/stream', headers: ndjsonHeaders, payload: body([record(1)], padded) });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('SERVER_PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('ends a chunked body over limits.stream_body_bytes (no Content-Length) with SERVER_PAYLOAD_TOO_LARGE', async () => {
    const small = await startTestServer({ limits: { stream_body_bytes: 64 * 1024 } });
    try {
      await small.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(small.app.server.address() as { port: number }).port}/v1/export/stream`;
      const chunk = new TextEncoder().encode(Array.from({ length: 100 }, (_, i) => JSON.stringify(record(i))).join('\n') + '\n');
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`${JSON.stringify({ config })}\n`));
          for (let i = 0; i < 20; i++) c.enqueue(chunk);
          c.close();
        },
      });
      const res = await fetch(url, { method: 'POST', headers: ndjsonHeaders, body: stream, duplex: 'half' } as RequestInit);
      const last = (await res.text()).trim().split('\n').at(-1) ?? '';
      // Before: EXPORT_SOURCE_UNREADABLE ("cannot read the input stream: request body is over the limit …").
      expect(JSON.parse(last)).toMatchObject({ error: { code: 'SERVER_PAYLOAD_TOO_LARGE' } });
    } finally {
      await small.close();
    }
  });

  it('answers 400 naming the key for an invalid export config', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/export/stream',
      headers: ndjsonHeaders,
      payload: body([record(1)], { style: 'no-such-style' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('EXPORT_CONFIG_INVALID');
    expect(res.json().error.message).toContain('style');
  });

  it('does not buffer for a client that stops reading, and stops work when it disconnects', async () => {
    const total = 1_000_000;
    let produced = 0;
    const encoder = new TextEncoder();
    const controller = new AbortController();
    const upload = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode(`${JSON.stringify({ config })}\n`));
      },
      pull(c) {
        if (produced >= total) return c.close();
        let chunk = '';
        for (let i = 0; i < 500; i++) chunk += `${JSON.stringify(record(produced++))}\n`;
        c.enqueue(encoder.encode(chunk));
      },
    });
    const sockets: Socket[] = [];
    t.app.server.on('connection', (s) => sockets.push(s));
    const res = await fetch(`${base}/v1/export/stream`, {
      method: 'POST',
      headers: ndjsonHeaders,
      body: upload,
      duplex: 'half',
      signal: controller.signal,
    } as RequestInit);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // take one chunk, then stop reading
    // Wait until the server stops pulling the upload (backpressure all the way back), then check it stays stopped.
    let pausedAt = -1;
    let stableFor = 0;
    for (let i = 0; i < 60 && stableFor < 3; i++) {
      stableFor = produced === pausedAt ? stableFor + 1 : 0;
      pausedAt = produced;
      await sleep(250);
    }
    // A server that buffered would have kept pulling the whole upload; this one waits with a bounded amount in flight
    // (its own ~128 KiB plus the kernel's socket buffers).
    expect(stableFor).toBe(3);
    expect(produced).toBeLessThan(total / 4);
    controller.abort();
    await sleep(300);
    const afterAbort = produced;
    await sleep(300);
    expect(produced).toBe(afterAbort);
    const line = auditLines(t.logs).find((l) => l['action'] === 'export.stream' && (l['detail'] as { aborted?: boolean })?.aborted);
    expect(line).toBeDefined();
    // The cut response's socket is closed by the server, not left half-open.
    expect(sockets[0]?.destroyed).toBe(true);
  });
});

describe('POST /v1/export/stream refusals over real HTTP', () => {
  it('answers 400 for a bad first line and closes the connection instead of waiting for the rest of the body', async () => {
    const t = await startTestServer();
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/export/stream`;
      let sent = 0;
      const encoder = new TextEncoder();
      const upload = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(encoder.encode(`${JSON.stringify({ config: { style: 'nope' } })}\n`));
        },
        pull(c) {
          // An endless body: the answer must not wait for it.
          sent++;
          c.enqueue(encoder.encode(`${JSON.stringify(record(sent))}\n`.repeat(200)));
        },
      });
      const res = await fetch(url, { method: 'POST', headers: ndjsonHeaders, body: upload, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(400);
      expect(res.headers.get('connection')).toBe('close');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('EXPORT_CONFIG_INVALID');
    } finally {
      await t.close();
    }
  });
});
