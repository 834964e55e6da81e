import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../internal/context.js';

/** `/healthz`, `/readyz`, `/metrics`: no token needed, no rate limit, hidden from nothing (they are in the OpenAPI doc). */
export function healthRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const open = { scope: 'public' as const, rateLimit: false as const };
    app.get(
      '/healthz',
      { config: open, schema: { tags: ['operations'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        config: open,
        schema: {
          tags: ['operations'],
          // No token: the OpenAPI document's global bearer requirement does not apply.
          security: [],
          response: {
            200: z.object({ status: z.literal('ready'), store: z.string() }),
            503: z.object({ status: z.literal('unavailable'), store: z.string(), error: z.string() }),
          },
        },
      },
      async (request, reply) => {
        try {
          await ctx.store.ping();
          return { status: 'ready' as const, store: ctx.store.kind };
        } catch (error) {
          // Anyone may ask: the store's location and the driver's message stay in the server's log.
          request.log.warn({ err: error }, 'readiness: the registry store does not answer');
          const message = 'the registry store does not answer (the server log says why)';
          return reply.status(503).send({ status: 'unavailable' as const, store: ctx.store.kind, error: message });
        }
      },
    );
    // Browsers ask for it on every page that declares no icon (the JSON and markdown API answers).
    app.get('/favicon.ico', { config: open, schema: { hide: true } }, async (_request, reply) => reply.status(204).send());
    app.get('/metrics', { config: open, schema: { tags: ['operations'], security: [] } }, async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    });
  };
}
