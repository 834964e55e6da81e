import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth.js';
import type { Scope, ServerConfig } from '../config.js';
import type { ServerMetrics } from '../metrics.js';
import type { RouterCache } from './adapter-router.js';
import type { RegistryStore } from '../store/registry-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook before any handler runs. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; `public` routes (health, metrics) need no token. Unset means `admin`. */
    scope?: Scope | 'public';
  }
}

/** The resolved vLLM upstream. */
export interface Upstream {
  url: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

/** What every route plugin receives. */
export interface AppContext {
  config: ServerConfig;
  store: RegistryStore;
  dataDir: string;
  metrics: ServerMetrics;
  upstream: Upstream | undefined;
  router: RouterCache;
}

/** Who made the request, for audit lines. */
export function who(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}

/**
 * Aborts when the client goes away before the response finished. The response's 'close' is the reliable signal:
 * the request's own 'close' fires as soon as its body has been read.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}

/** Write one audit line: who did what to which target, and how it ended. */
export function audit(
  request: FastifyRequest,
  entry: { action: string; target: string; outcome: 'success' | 'failure' | 'denied'; detail?: unknown },
): void {
  request.log.info({ audit: { who: who(request), at: new Date().toISOString(), ...entry } }, 'audit');
}
