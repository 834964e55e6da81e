import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake server received, body parsed. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
}

export interface FakeVllm {
  url: string;
  seen: SeenRequest[];
  adapters: Map<string, string>;
  close(): Promise<void>;
}

/**
 * A small HTTP server speaking vLLM's OpenAI-compatible API as documented: /v1/models (adapters with `parent`),
 * /v1/load_lora_adapter and /v1/unload_lora_adapter (plain-text success, `{"object":"error",...}` failures, absent
 * without runtime updating), /v1/completions and /v1/chat/completions routed by `model` (404 for unknown models).
 * The model named "crash" answers 500, like an engine failure.
 */
export async function startFakeVllm(options: { baseModel: string; apiKey?: string; runtimeUpdating?: boolean }): Promise<FakeVllm> {
  const seen: SeenRequest[] = [];
  const adapters = new Map<string, string>();
  const created = Math.floor(Date.now() / 1000);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  };
  const error = (res: ServerResponse, status: number, type: string, message: string) =>
    send(res, status, { object: 'error', message, type, param: null, code: status });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = req.url ?? '';
    const body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(res, 401, { error: 'Unauthorized' });
    }
    const runtime = options.runtimeUpdating ?? true;
    if (req.method === 'GET' && path === '/v1/models') {
      const card = (id: string, root: string, parent: string | null) => ({ id, object: 'model', created, owned_by: 'vllm', root, parent, max_model_len: 8192, permission: [] });
      return send(res, 200, {
        object: 'list',
        data: [card(options.baseModel, options.baseModel, null), ...[...adapters].map(([name, p]) => card(name, p, options.baseModel))],
      });
    }
    if (req.method === 'POST' && path === '/v1/load_lora_adapter' && runtime) {
      const name = String(body?.['lora_name']);
      if (adapters.has(name) && body?.['load_inplace'] !== true) {
        return error(res, 400, 'InvalidUserInput', `The lora adapter '${name}' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.`);
      }
      adapters.set(name, String(body?.['lora_path']));
      return send(res, 200, `Success: LoRA adapter '${name}' added successfully.`);
    }
    if (req.method === 'POST' && path === '/v1/unload_lora_adapter' && runtime) {
      const name = String(body?.['lora_name']);
      if (!adapters.delete(name)) return error(res, 404, 'NotFoundError', `The lora adapter '${name}' cannot be found.`);
      return send(res, 200, `Success: LoRA adapter '${name}' removed successfully.`);
    }
    if (req.method === 'POST' && (path === '/v1/completions' || path === '/v1/chat/completions')) {
      const model = String(body?.['model']);
      if (model === 'crash') return error(res, 500, 'InternalServerError', 'EngineCore encountered an issue.');
      if (model !== options.baseModel && !adapters.has(model)) {
        return error(res, 404, 'NotFoundError', `The model \`${model}\` does not exist.`);
      }
      // The answer names who produced it, so a test sees whether the adapter or the base model answered.
      const text = `answered by ${model}`;
      const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
      if (path === '/v1/completions') {
        return send(res, 200, { id: 'cmpl-1', object: 'text_completion', created, model, choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }], usage });
      }
      return send(res, 200, { id: 'chatcmpl-1', object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage });
    }
    return send(res, 404, { detail: 'Not Found' });
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    adapters,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
