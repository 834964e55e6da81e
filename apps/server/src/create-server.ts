import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions, RawServerDefault } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { createTokenVerifier, hasScope } from './auth.js';
import type { ServerConfig } from './config.js';
import { ServerError } from './errors.js';
import { errorHandler } from './http-errors.js';
import { audit, type AppContext, type Upstream } from './internal/context.js';
import { createServerMetrics } from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { createRouterCache } from './internal/adapter-router.js';
import { createJobRunner, LEFTOVER_SWEEP_MS, removeJobLeftovers } from './internal/job-runner.js';
import { resolveNamedSources } from './internal/named-sources.js';
import { jobRoutes } from './routes/jobs.js';
import { pageRoutes } from './routes/pages.js';
import { adapterRoutes } from './routes/adapters.js';
import { deploymentRoutes } from './routes/deployments.js';
import { exportStreamRoutes } from './routes/export-stream.js';
import { proxyRoutes, type AutoModelPicker } from './routes/proxy.js';
import { routeRoutes } from './routes/route.js';
import { validateRoutes } from './routes/validate.js';
import type { RegistryStore } from './store/registry-store.js';

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /** Parsed server config (tokens, sources, limits, upstream). */
  config: ServerConfig;
  /** An already migrated store. Closed with the server. */
  store: RegistryStore;
  /** Data directory: named file sources and export outputs live below it. */
  dataDir: string;
  /** vLLM base URL; wins over `config.upstream.url`. */
  upstreamUrl?: string;
  /** pino options or a boolean. @default false */
  logger?: FastifyServerOptions['logger'];
  /** A ready pino logger (wins over `logger`). */
  loggerInstance?: FastifyBaseLogger;
  /** Environment for `token_env` and `upstream.api_key_env`. @default process.env */
  env?: NodeJS.ProcessEnv;
}

function resolveUpstream(options: CreateServerOptions, env: NodeJS.ProcessEnv): Upstream | undefined {
  const given = options.upstreamUrl ?? options.config.upstream?.url;
  if (given === undefined) return undefined;
  // The proxy appends /v1/...: a URL given as vLLM's OpenAI base (…/v1) would otherwise reach /v1/v1/….
  const url = given.replace(/\/+$/, '').replace(/\/v1$/, '');
  const keyEnv = options.config.upstream?.api_key_env;
  return { url, apiKey: keyEnv ? env[keyEnv] : undefined, timeoutMs: options.config.upstream?.timeout_ms ?? 600_000 };
}

/** The fastify instance {@link createServer} returns, typed with the zod provider. */
export type LorakitServer = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/**
 * Build the HTTP service (not yet listening): auth, rate limits, body limits, OpenAPI at `/docs`, every route.
 *
 * @throws ServerError `SERVER_CONFIG_INVALID` when a token's environment variable is unset.
 * @example
 * ```ts
 * const store = await createSqliteStore({ file: '.lorakit/lorakit.db' });
 * await store.migrate();
 * const app = await createServer({ config: parseServerConfig({}), store, dataDir: '.lorakit' });
 * await app.listen({ port: 8080, host: '127.0.0.1' });
 * ```
 */
/** The body of every error answer (see toErrorResponse), as the OpenAPI document shows it. */
const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'SERVER_… or a package code (EXPORT_…, METADATA_…), see the README' },
        message: { type: 'string' },
        issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
} as const;
const ERROR_RESPONSES: Record<string, unknown> = Object.fromEntries(
  [
    ['400', 'invalid request (the message and issues name the field)'],
    ['401', 'missing or unknown bearer token'],
    ['403', 'the token lacks the scope'],
    ['404', 'not found'],
    ['429', 'rate limited'],
    ['500', 'internal error'],
  ].map(([status, description]) => [status, { description, ...ERROR_BODY }]),
);

/** Requests with a missing or unknown token one client address may make per `limits.rate_limit_window_ms`. */
const FAILED_AUTH_MAX = 30;
/** Host headers of requests to this machine's loopback address, with any port. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

export async function createServer(options: CreateServerOptions): Promise<LorakitServer> {
  const env = options.env ?? process.env;
  const { config } = options;
  const verifier = createTokenVerifier(config.tokens, env);
  const base = {
    bodyLimit: config.limits.body_bytes,
    // Streams are answered as they are produced; a long export must not be cut by a request timeout.
    requestTimeout: 0,
  };
  const app: LorakitServer = (
    options.loggerInstance
      ? Fastify({ ...base, loggerInstance: options.loggerInstance })
      : Fastify({ ...base, logger: options.logger ?? false })
  ).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'SERVER_NOT_FOUND', message: `no route ${request.method} ${request.url}` } });
  });

  const sources = resolveNamedSources(config.sources, options.dataDir);
  const metrics = createServerMetrics(options.store);
  const ctx: AppContext = {
    config,
    store: options.store,
    dataDir: options.dataDir,
    metrics,
    upstream: resolveUpstream(options, env),
    router: createRouterCache(options.store, {
      baseModel: config.router.base_model,
      ...(config.router.served_model_name !== undefined && { servedModelName: config.router.served_model_name }),
      threshold: config.router.threshold,
      ...(config.router.locale !== undefined && { locale: config.router.locale }),
      ttlMs: config.router.cache_ms,
    }),
  };
  const pickModel: AutoModelPicker = async (text) => {
    const result = (await ctx.router.get()).route(text);
    return { adapter: result.model, confidence: result.confidence, reason: result.reason };
  };

  app.decorateRequest('principal', null);
  // Failed token checks per client address: the request rate limit counts by token once one is known, so without this
  // an address could try tokens without end. Past the limit, every request from it is refused until its window ends.
  const failedAuth = new Map<string, { count: number; resetAt: number }>();
  const authWindow = config.limits.rate_limit_window_ms;
  app.addHook('onRequest', async (request, reply) => {
    // Routes declare their scope; the docs pages (registered by @fastify/swagger-ui) are readable with `read`.
    // Unmatched URLs need any valid token (an honest 404 for readers, a 401 for strangers).
    const url = request.routeOptions.url;
    const scope = request.routeOptions.config.scope ?? (url === undefined || url.startsWith('/docs') ? 'read' : 'admin');
    if (scope === 'public') return;
    // Open mode trusts whoever reaches the loopback address, and a web page can, through DNS rebinding: its own host
    // name made to point at 127.0.0.1. Its requests still name that host, so only loopback names are answered.
    if (!verifier.enabled && !LOOPBACK_HOST.test(request.headers.host ?? '')) {
      throw new ServerError(
        'SERVER_FORBIDDEN',
        `Host "${request.headers.host ?? ''}" is no loopback name: without tokens the server answers only requests to localhost, 127.0.0.1 or [::1]`,
      );
    }
    const now = Date.now();
    const failures = failedAuth.get(request.ip);
    if (failures !== undefined && failures.resetAt <= now) failedAuth.delete(request.ip);
    else if (failures !== undefined && failures.count >= FAILED_AUTH_MAX) {
      const seconds = Math.ceil((failures.resetAt - now) / 1000);
      // As the request rate limit's 429 says it.
      void reply.header('retry-after', String(seconds));
      throw new ServerError('SERVER_RATE_LIMITED', `${FAILED_AUTH_MAX} requests with a missing or unknown token from this address; retry in ${seconds} s`);
    }
    const principal = verifier.verify(request.headers.authorization);
    if (!principal) {
      if (failedAuth.size > 10_000) for (const [ip, f] of failedAuth) if (f.resetAt <= now) failedAuth.delete(ip);
      const entry = failedAuth.get(request.ip) ?? { count: 0, resetAt: now + authWindow };
      entry.count++;
      failedAuth.set(request.ip, entry);
      throw new ServerError('SERVER_UNAUTHORIZED', 'missing or unknown bearer token (Authorization: Bearer <token>)');
    }
    request.principal = principal;
    if (!hasScope(principal, scope)) {
      audit(request, { action: 'access', target: `${request.method} ${request.url}`, outcome: 'denied', detail: `needs ${scope}` });
      throw new ServerError('SERVER_FORBIDDEN', `token ${principal.name} lacks the ${scope} scope`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
  const runner = createJobRunner({
    store: options.store,
    metrics,
    concurrency: config.limits.job_concurrency,
    env,
    log: app.log,
  });
  // Jobs left queued or running by a previous process (crash, kill) end as failed: interrupted, never vanish; the
  // temp output and lock their export left behind go first, while the store still tells which jobs were unfinished.
  await removeJobLeftovers(options.store, options.dataDir, app.log, true);
  const interrupted = await options.store.interruptUnfinishedJobs(new Date().toISOString());
  if (interrupted > 0) app.log.warn({ interrupted }, 'marked unfinished export jobs of a previous run as failed: interrupted');
  // A restart within 30 s of a crash finds the dead job's lock still fresh: once it is stale, look again.
  const sweep = setTimeout(() => {
    removeJobLeftovers(options.store, options.dataDir, app.log, false).catch((error: unknown) => app.log.warn({ err: error }, 'could not sweep export leftovers'));
  }, LEFTOVER_SWEEP_MS);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearTimeout(sweep);
    await runner.close();
    await options.store.close();
  });

  const window = config.limits.rate_limit_window_ms;
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const windowText = window % 60_000 === 0 ? plural(window / 60_000, 'minute')
    : window % 1000 === 0 ? plural(window / 1000, 'second') : `${window} ms`;
  await app.register(fastifyRateLimit, {
    max: config.limits.rate_limit_max,
    timeWindow: config.limits.rate_limit_window_ms,
    // After auth (onRequest), before the body is read.
    hook: 'preParsing',
    keyGenerator: (request) => (request.principal ? `token:${request.principal.name}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'SERVER_RATE_LIMITED',
      // context.after is the time left until the window resets, not the window.
      message: `rate limit of ${context.max} requests per ${windowText} reached; retry in ${context.after}`,
    }),
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'lorakit server', version: '0.1.0', description: 'Streaming export, jobs, adapter registry, routing to vLLM.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Error answers in the document only (a transform shapes the OpenAPI text, never validation or serialization):
    // every route but the public ones can answer them, with the one error body of http-errors.ts.
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const schema = out.schema as { response?: Record<string, unknown>; security?: unknown[]; hide?: boolean };
      if (schema.hide !== true && !(Array.isArray(schema.security) && schema.security.length === 0)) {
        schema.response = { ...ERROR_RESPONSES, ...schema.response };
      }
      return out;
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list' },
  });

  // Every route takes JSON (or, two of them, NDJSON): a text/plain body is a 415, not a string the schema refuses.
  // An empty one is no body (fetch sends `text/plain` with `body: ''`, a DELETE too).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') done(null, undefined);
    else done(new ServerError('SERVER_UNSUPPORTED_MEDIA_TYPE', 'a text/plain body: send application/json'));
  });
  await app.register(healthRoutes(ctx));
  await app.register(proxyRoutes(ctx, pickModel), { prefix: '/v1' });
  await app.register(adapterRoutes(ctx), { prefix: '/v1' });
  await app.register(routeRoutes(ctx), { prefix: '/v1' });
  await app.register(exportStreamRoutes(ctx, env), { prefix: '/v1' });
  await app.register(jobRoutes(ctx, runner, sources, env), { prefix: '/v1' });
  await app.register(deploymentRoutes(ctx), { prefix: '/v1' });
  await app.register(pageRoutes(ctx));
  await app.register(validateRoutes(ctx), { prefix: '/v1' });
  return app;
}
