import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ServerError } from './errors.js';

// Node's timers fire at once (with a TimeoutOverflowWarning) for delays above 2^31 - 1 ms, about 24.8 days.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Token scopes: `read` (registry, jobs, pages, routing, proxy), `export` (streaming and job exports), `admin` (all). */
export const ScopeSchema = z.enum(['read', 'export', 'admin']).describe('What a token may do; admin implies the others.');
/** One token scope. */
export type Scope = z.infer<typeof ScopeSchema>;

/** A bearer token: give exactly one of `token`, `token_env` or `token_sha256`. */
export const TokenConfigSchema = z
  .object({
    name: z.string().min(1).describe('Who holds the token; written to audit lines and used as the rate-limit key.'),
    token: z.string().min(16).optional().describe('The token in clear text (prefer token_env or token_sha256).'),
    token_env: z.string().min(1).optional().describe('Environment variable holding the token.'),
    token_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
      .optional()
      .describe('SHA-256 of the token, hex: the config file then holds no secret. The server cannot check the length of the token behind it: use a long random one (openssl rand -hex 32).'),
    scopes: z.array(ScopeSchema).min(1).describe('Scopes of the token.'),
  })
  .strict()
  .refine((t) => [t.token, t.token_env, t.token_sha256].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of token, token_env, token_sha256',
  });

/** Limits protecting the server. */
export const LimitsSchema = z
  .object({
    body_bytes: z.number().int().positive().default(1_048_576).describe('Largest JSON request body, and largest header line of a streamed body, bytes (413 above).'),
    stream_body_bytes: z
      .number()
      .int()
      .positive()
      .default(1_073_741_824)
      .describe('Largest streamed NDJSON request body, bytes (413 above).'),
    stream_records: z
      .number()
      .int()
      .positive()
      .default(1_000_000)
      .describe('Most NDJSON records accepted in one streamed request (413 above).'),
    rate_limit_max: z.number().int().positive().default(600).describe('Requests per token (or per IP without one) per window.'),
    rate_limit_window_ms: z.number().int().positive().default(60_000).describe('Rate-limit window, milliseconds.'),
    job_concurrency: z.number().int().positive().default(2).describe('Export jobs running at once; later jobs queue.'),
    export_worker_threads: z
      .number()
      .int()
      // The report's own thread defaults to 1: a cap of 0 would refuse every request that leaves it unset.
      .min(1)
      .max(64)
      .default(2)
      .describe(
        'Most worker threads one export (job or stream) may ask for, in config.worker_threads and in config.quality_metrics.worker_threads each (400 above). Unset worker_threads keeps the exporter\'s automatic choice (at most 4, for large JSONL files).',
      ),
    page_size_max: z.number().int().positive().default(200).describe('Largest `limit` of a paginated listing.'),
    shutdown_grace_ms: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMER_MS)
      .default(10_000)
      .describe('On SIGINT/SIGTERM, how long requests in flight (proxied streams, exports) may finish before their connections are closed, milliseconds.'),
  })
  .strict();

/** The vLLM OpenAI-compatible upstream of the proxy. */
export const UpstreamSchema = z
  .object({
    url: z.url().describe('Base URL of vLLM\'s OpenAI-compatible server, e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted).'),
    api_key_env: z.string().min(1).optional().describe('Environment variable with the API key vLLM expects (--api-key).'),
    timeout_ms: z.number().int().positive().max(MAX_TIMER_MS).default(600_000).describe('Abort an upstream request after this long.'),
  })
  .strict();

/** The adapter router behind `POST /v1/route` and `model: "auto"`. */
export const RouterConfigSchema = z
  .object({
    base_model: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The base model vLLM serves, by the name adapters give in base_model.name (compared ignoring case): only ' +
          'adapters trained on it are routed to, and it answers (as served_model_name when set) when no adapter ' +
          'is confident enough. Unset: POST /v1/route and model "auto" answer 503 SERVER_ROUTER_NOT_CONFIGURED.',
      ),
    served_model_name: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The name vLLM serves the base model under (its --served-model-name, e.g. llama3-8b): the model sent to ' +
          'vLLM when no adapter is confident enough. Unset: base_model.',
      ),
    threshold: z.number().min(0).max(1).default(0.5).describe('Minimum confidence to pick an adapter.'),
    locale: z.string().min(1).optional().describe('Locale for case folding and word segmentation (e.g. de).'),
    cache_ms: z.number().int().min(0).default(10_000).describe('Rebuild the router from the registry at least this often.'),
  })
  .strict();

/**
 * The server's config file (YAML), validated at start-up.
 *
 * @example
 * ```yaml
 * tokens:
 *   - { name: pipeline, token_env: PIPELINE_TOKEN, scopes: [read, export] }
 * sources:
 *   crm: { type: jsonl, path: sources/crm.jsonl }   # relative to the data directory
 * limits: { job_concurrency: 4 }
 * upstream: { url: http://127.0.0.1:8000 }
 * ```
 */
export const ServerConfigSchema = z
  .object({
    tokens: z.array(TokenConfigSchema).default([]).describe('Bearer tokens; none configured = no auth (loopback only).'),
    sources: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'), z.record(z.string(), z.unknown()))
      .default({})
      .describe('Named export sources (jsonl-exporter source configs); file paths are relative to the data directory.'),
    limits: LimitsSchema.prefault({}),
    upstream: UpstreamSchema.optional(),
    router: RouterConfigSchema.prefault({}),
  })
  .strict();

/** A parsed server config file, defaults filled in. */
export type ServerConfig = z.output<typeof ServerConfigSchema>;
/** What an operator writes. */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;
/** One configured token. */
export type TokenConfig = z.output<typeof TokenConfigSchema>;

/**
 * Validate a server config object (e.g. parsed YAML).
 *
 * @throws ServerError `SERVER_CONFIG_INVALID` naming the file and each bad key.
 */
export function parseServerConfig(input: unknown, file = '(config)'): ServerConfig {
  const result = ServerConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `  ${file}: ${path}: ${issue.message}`;
  });
  throw new ServerError('SERVER_CONFIG_INVALID', `invalid server config:\n${lines.join('\n')}`, { cause: result.error });
}

/**
 * Read and validate a YAML config file.
 *
 * @throws ServerError `SERVER_CONFIG_UNREADABLE` (missing file, YAML syntax with line) or `SERVER_CONFIG_INVALID`.
 */
export async function readServerConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ServerError('SERVER_CONFIG_UNREADABLE', `${file}: cannot read the config file`, { cause });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    const line = (cause as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    const where = line === undefined ? file : `${file}:${line}`;
    throw new ServerError('SERVER_CONFIG_UNREADABLE', `${where}: invalid YAML: ${(cause as Error).message}`, { cause });
  }
  return parseServerConfig(data, file);
}

/**
 * Resolve a source's file path against the data directory, refusing anything that escapes it.
 *
 * @throws ServerError `SERVER_CONFIG_INVALID` when the path leaves the data directory.
 */
export function resolveInDataDir(dataDir: string, path: string, what: string): string {
  const root = resolve(dataDir);
  const full = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (full !== root && !full.startsWith(root + '/')) {
    throw new ServerError('SERVER_CONFIG_INVALID', `${what}: path ${path} is outside the data directory ${root}`);
  }
  return full;
}
