import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { loraSelectionError } from '@lorakit/vllm-config';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';
import { clientGone } from '../internal/context.js';

// Only what the proxy reads; every other field passes through to vLLM untouched.
const CompletionRequestSchema = z
  .object({ model: z.string().min(1).describe('A served model or adapter name, or "auto" to let the router choose.') })
  .loose();

/** Picks the model for `model: "auto"` from the request text: an adapter, or the base model when none fits. */
export type AutoModelPicker = (text: string) => Promise<{ adapter: string; confidence: number; reason: string }>;

/** The text the router sees: the last user message of a chat request, or the prompt of a completion request. */
export function routingText(body: Record<string, unknown>): string {
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as { role?: unknown; content?: unknown } | null;
      if (m?.role !== 'user') continue;
      if (typeof m.content === 'string') return m.content;
      // OpenAI content parts: keep the text parts.
      if (Array.isArray(m.content)) {
        return m.content
          .map((p: { type?: unknown; text?: unknown }) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : ''))
          .join(' ');
      }
    }
    return '';
  }
  const prompt = body['prompt'];
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.filter((p): p is string => typeof p === 'string').join('\n');
  return '';
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

/**
 * The OpenAI-compatible proxy: `POST /v1/chat/completions` and `/v1/completions`. `model: "auto"` is replaced by the
 * router's choice (header `x-lorakit-adapter` says which and why); responses, SSE streams and upstream errors are
 * relayed as they arrive, with the upstream status.
 */
export function proxyRoutes(ctx: AppContext, pickModel: AutoModelPicker | undefined): FastifyPluginAsyncZod {
  return async (app) => {
    for (const path of ['/chat/completions', '/completions'] as const) {
      app.post(
        path,
        {
          config: { scope: 'read' },
          schema: { tags: ['proxy'], body: CompletionRequestSchema },
        },
        async (request, reply) => {
          const upstream = ctx.upstream;
          if (!upstream) {
            throw new ServerError('SERVER_UPSTREAM_NOT_CONFIGURED', 'no vLLM upstream: start with --upstream URL or set upstream.url');
          }
          const body: Record<string, unknown> = { ...request.body };
          const problem = loraSelectionError(body);
          if (problem !== undefined) throw new ServerError('SERVER_BAD_REQUEST', `${problem} (or "auto")`);
          if (body['model'] === 'auto') {
            if (!pickModel) throw new ServerError('SERVER_UPSTREAM_NOT_CONFIGURED', 'model "auto" needs the adapter router');
            const choice = await pickModel(routingText(body));
            body['model'] = choice.adapter;
            void reply.header('x-lorakit-adapter', choice.adapter);
            void reply.header('x-lorakit-route-reason', encodeURIComponent(choice.reason));
          }
          const gone = clientGone(reply);
          const signal = AbortSignal.any([gone, AbortSignal.timeout(upstream.timeoutMs)]);
          const headers: Record<string, string> = { 'content-type': 'application/json', accept: request.headers.accept ?? '*/*' };
          if (upstream.apiKey) headers['authorization'] = `Bearer ${upstream.apiKey}`;
          let response: Response;
          try {
            response = await fetch(`${upstream.url}/v1${path}`, {
              method: 'POST',
              headers,
              body: JSON.stringify(body),
              signal,
            });
          } catch (cause) {
            throw new ServerError('SERVER_UPSTREAM_UNAVAILABLE', `vLLM upstream ${upstream.url} unreachable: ${(cause as Error).message}`, {
              cause,
            });
          }
          void reply.status(response.status);
          for (const [name, value] of response.headers) {
            if (!HOP_BY_HOP.has(name)) void reply.header(name, value);
          }
          if (!response.body) return reply.send();
          // Readable.fromWeb pulls one chunk at a time, so SSE events are relayed as vLLM emits them, with backpressure.
          const stream = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
          stream.on('error', () => undefined);
          return reply.send(stream);
        },
      );
    }
  };
}
