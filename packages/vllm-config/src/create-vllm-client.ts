import { VllmConfigError, type VllmConfigErrorCode } from './errors.js';
import { loraSelectionError } from './lora-selection-error.js';

/** Options of {@link createVllmClient}. */
export interface VllmClientOptions {
  /** Server root, e.g. `http://127.0.0.1:8000` (a trailing `/v1` is accepted). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (vLLM's `--api-key`). */
  apiKey?: string | undefined;
  /** Per-request timeout in milliseconds. @default 60000 */
  timeoutMs?: number | undefined;
  /** fetch implementation (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
}

/** An entry of `/v1/models`. LoRA adapters have `parent` = the base model and `root` = the adapter path. */
export interface VllmModel {
  id: string;
  object: 'model';
  created?: number;
  owned_by?: string;
  root?: string | null;
  parent?: string | null;
  max_model_len?: number | null;
}

// vLLM has no such request field: it ignores it and the base model answers, the bug this client exists to prevent.
type NoLoraName = { lora_name?: never; lora_request?: never; stream?: false };

/** `/v1/completions` body. `model` is the served model name or the LoRA adapter name. */
export type CompletionRequest = NoLoraName & {
  model: string;
  prompt: string | string[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  [key: string]: unknown;
};

/** A chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** `/v1/chat/completions` body. `model` is the served model name or the LoRA adapter name. */
export type ChatRequest = NoLoraName & {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  [key: string]: unknown;
};

/** Token counts of a response. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `/v1/completions` response. */
export interface CompletionResponse {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { index: number; text: string; finish_reason: string | null }[];
  usage?: Usage;
}

/** `/v1/chat/completions` response. */
export interface ChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: { role: 'assistant'; content: string | null }; finish_reason: string | null }[];
  usage?: Usage;
}

/** A client for vLLM's OpenAI-compatible server and its runtime LoRA endpoints. */
export interface VllmClient {
  /** `GET /v1/models`: the base model(s) and every loaded adapter. */
  listModels(): Promise<VllmModel[]>;
  /** `POST /v1/load_lora_adapter`; needs `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True` on the server. */
  loadAdapter(adapter: { name: string; path: string; loadInplace?: boolean }): Promise<void>;
  /** `POST /v1/unload_lora_adapter`. */
  unloadAdapter(name: string): Promise<void>;
  /** `POST /v1/completions`, the adapter selected by `model`. */
  complete(request: CompletionRequest): Promise<CompletionResponse>;
  /** `POST /v1/chat/completions`, the adapter selected by `model`. */
  chat(request: ChatRequest): Promise<ChatResponse>;
}

interface ErrorBody {
  message?: string;
  error?: string | { message?: string };
  detail?: unknown;
}

function errorMessage(body: unknown, text: string): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as ErrorBody;
    if (typeof b.message === 'string') return b.message;
    if (typeof b.error === 'string') return b.error;
    if (typeof b.error === 'object' && typeof b.error.message === 'string') return b.error.message;
    if (typeof b.detail === 'string') return b.detail;
  }
  return text.slice(0, 500);
}

function codeFor(status: number, message: string, body: unknown, path: string): VllmConfigErrorCode {
  const runtimePath = path.endsWith('_lora_adapter');
  // FastAPI's own 404 ({"detail":"Not Found"}): the route does not exist, i.e. runtime updating is off.
  if (status === 404 && runtimePath && typeof body === 'object' && body !== null && (body as ErrorBody).detail === 'Not Found') {
    return 'VLLM_RUNTIME_UPDATES_DISABLED';
  }
  if (/already been loaded/i.test(message)) return 'VLLM_ADAPTER_ALREADY_LOADED';
  if (status === 404 || /cannot be found|does not exist|not found/i.test(message)) return 'VLLM_MODEL_NOT_FOUND';
  if (status === 401 || status === 403) return 'VLLM_UNAUTHORIZED';
  if (status === 400 || status === 422) return 'VLLM_BAD_REQUEST';
  return 'VLLM_UPSTREAM_ERROR';
}

function refuseLoraName(request: Record<string, unknown>): void {
  const problem = loraSelectionError(request);
  if (problem !== undefined) throw new VllmConfigError('VLLM_BAD_REQUEST', problem);
  if (request['stream'] === true) {
    throw new VllmConfigError('VLLM_BAD_REQUEST', 'streaming responses are not supported by this client; omit "stream"');
  }
  if (typeof request['model'] !== 'string' || request['model'] === '') {
    throw new VllmConfigError('VLLM_BAD_REQUEST', '"model" must name the served model or the LoRA adapter');
  }
}

/**
 * Creates a client for a running vLLM server. Requests always select the adapter through `model` (vLLM has no
 * `lora_name` request field; passing one is refused before anything is sent). HTTP failures become
 * {@link VllmConfigError}s: 404 → `VLLM_MODEL_NOT_FOUND`, 400 "already loaded" → `VLLM_ADAPTER_ALREADY_LOADED`,
 * missing runtime routes → `VLLM_RUNTIME_UPDATES_DISABLED`, 401/403 → `VLLM_UNAUTHORIZED`, other 4xx →
 * `VLLM_BAD_REQUEST`, 5xx → `VLLM_UPSTREAM_ERROR`, no answer or a body cut off (refused, timeout, reset) →
 * `VLLM_CONNECTION_FAILED`.
 * @example
 * const vllm = createVllmClient({ baseUrl: 'http://127.0.0.1:8000', apiKey: process.env.VLLM_API_KEY });
 * await vllm.loadAdapter({ name: 'legal-de', path: '/adapters/legal-de' });
 * const out = await vllm.chat({ model: 'legal-de', messages: [{ role: 'user', content: 'Was ist eine Baugenehmigung?' }] });
 */
export function createVllmClient(options: VllmClientOptions): VllmClient {
  // A typo in the URL is a config error now, not a connection failure on the first call.
  const parsed = URL.canParse(options?.baseUrl) ? new URL(options.baseUrl) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new VllmConfigError('VLLM_CONFIG_INVALID', `createVllmClient: baseUrl ${JSON.stringify(options?.baseUrl)} is not an http(s) URL such as http://127.0.0.1:8000`);
  }
  const root = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ json: unknown; text: string }> {
    const url = `${root}${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new VllmConfigError('VLLM_CONNECTION_FAILED', `${method} ${url}: no answer (${(cause as Error).message})`, { cause });
    }
    let text: string;
    try {
      // The timeout covers the body too: a server that sends headers and then stalls fails here.
      text = await response.text();
    } catch (cause) {
      throw new VllmConfigError('VLLM_CONNECTION_FAILED', `${method} ${url}: the answer broke off (${(cause as Error).message})`, { cause });
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const message = errorMessage(json, text);
      const code = codeFor(response.status, message, json, path);
      const hint = code === 'VLLM_RUNTIME_UPDATES_DISABLED' ? ' (start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True)' : '';
      throw new VllmConfigError(code, `${method} ${path} → ${response.status}: ${message}${hint}`, { status: response.status });
    }
    return { json, text };
  }

  function expectObject<T>(json: unknown, path: string, check: (o: Record<string, unknown>) => boolean): T {
    if (typeof json !== 'object' || json === null || !check(json as Record<string, unknown>)) {
      throw new VllmConfigError('VLLM_UPSTREAM_ERROR', `${path}: the answer is not vLLM's documented shape`);
    }
    return json as T;
  }

  return {
    async listModels() {
      const { json } = await call('GET', '/v1/models');
      return expectObject<{ data: VllmModel[] }>(json, '/v1/models', (o) => Array.isArray(o['data'])).data;
    },
    async loadAdapter(adapter) {
      await call('POST', '/v1/load_lora_adapter', {
        lora_name: adapter.name,
        lora_path: adapter.path,
        ...(adapter.loadInplace === undefined ? {} : { load_inplace: adapter.loadInplace }),
      });
    },
    async unloadAdapter(name) {
      await call('POST', '/v1/unload_lora_adapter', { lora_name: name });
    },
    async complete(request) {
      refuseLoraName(request);
      const { json } = await call('POST', '/v1/completions', request);
      return expectObject<CompletionResponse>(json, '/v1/completions', (o) => Array.isArray(o['choices']));
    },
    async chat(request) {
      refuseLoraName(request);
      const { json } = await call('POST', '/v1/chat/completions', request);
      return expectObject<ChatResponse>(json, '/v1/chat/completions', (o) => Array.isArray(o['choices']));
    },
  };
}
