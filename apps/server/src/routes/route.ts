import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../internal/context.js';

/** Body of `POST /v1/route`. */
export const RouteRequestSchema = z.object({ text: z.string().min(1).describe('The request text to route.') }).strict();

/**
 * `POST /v1/route`: which registered adapter should answer `text` (the vllm-config router over the latest version
 * of every adapter trained on `router.base_model`); 503 `SERVER_ROUTER_NOT_CONFIGURED` without `router.base_model`.
 */
export function routeRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/route',
      { config: { scope: 'read' }, schema: { tags: ['routing'], body: RouteRequestSchema } },
      async (request) => (await ctx.router.get()).route(request.body.text),
    );
  };
}
