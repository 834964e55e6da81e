import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake vLLM received. */
export interface FakeVllmCall {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A small stand-in for vLLM's OpenAI-compatible server: `/v1/chat/completions` and `/v1/completions`, JSON or SSE
 * (`stream: true`), 404 in vLLM's error shape for an unknown model. `gate` lets a test hold the SSE stream after
 * the first event, to prove the proxy relays events as they arrive.
 */
export interface FakeVllm {
  url: string;
  calls: FakeVllmCall[];
  models: Set<string>;
  /** Let held streams continue after their first event. */
  release: () => void;
  /** Hold the next streams after their first event until `release()`. */
  hold: () => void;
  /** Resolves when a stream was cut by the client (re-armed by `hold()`). */
  readonly aborted: Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

export async function startFakeVllm(options: { holdStream?: boolean } = {}): Promise<FakeVllm> {
  const calls: FakeVllmCall[] = [];
  const models = new Set(['Qwen/Qwen2.5-7B-Instruct']);
  let release!: () => void;
  let gate!: Promise<void>;
  let markAborted!: () => void;
  let aborted!: Promise<void>;
  const hold = () => {
    gate = new Promise<void>((r) => (release = r));
    aborted = new Promise<void>((r) => (markAborted = r));
  };
  hold();
  if (!options.holdStream) release();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const model = String(body['model']);
      if (!models.has(model)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'error', message: `The model \`${model}\` does not exist.`, type: 'NotFoundError', param: null, code: 404 }));
        return;
      }
      const chat = req.url === '/v1/chat/completions';
      if (body['stream'] === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        res.on('close', () => {
          if (!res.writableFinished) markAborted();
        });
        const event = (text: string) =>
          `data: ${JSON.stringify(
            chat
              ? { id: 'chatcmpl-1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }
              : { id: 'cmpl-1', object: 'text_completion', model, choices: [{ index: 0, text, finish_reason: null }] },
          )}\n\n`;
        res.write(event('Hello'));
        await gate;
        if (res.destroyed) return;
        res.write(event(' world'));
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          chat
            ? { id: 'chatcmpl-1', object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world' }, finish_reason: 'stop' }] }
            : { id: 'cmpl-1', object: 'text_completion', model, choices: [{ index: 0, text: 'Hello world', finish_reason: 'stop' }] },
        ),
      );
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    models,
    release: () => release(),
    hold,
    get aborted() {
      return aborted;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
