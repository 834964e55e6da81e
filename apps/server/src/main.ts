import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServerConfig } from './config.js';
import { parseServerConfig, readServerConfig } from './config.js';
import { createServer } from './create-server.js';
import { ServerError } from './errors.js';
import { createPostgresStore } from './store/postgres-store.js';
import type { RegistryStore } from './store/registry-store.js';
import { createSqliteStore } from './store/sqlite-store.js';

const USAGE = `Usage: lorakit-server [options]

Options:
  --port N          port to listen on (default: $PORT or 8080)
  --host HOST       address to listen on (default: 127.0.0.1)
  --data-dir DIR    SQLite file, named file sources and export outputs (default: ./.lorakit)
  --config FILE     YAML config: tokens with scopes, sources, limits, upstream
  --upstream URL    vLLM OpenAI-compatible base URL for the proxy
  -h, --help        show this help

Environment:
  LORAKIT_ADMIN_TOKEN  adds one token with the admin scope
  DATABASE_URL         use PostgreSQL instead of SQLite
`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Options of {@link main} for tests and embedding. */
export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the start-up line and errors go. @default console.error */
  print?: (line: string) => void;
  /** Called once listening, with a function that stops the server. */
  onListening?: (info: { url: string; stop: () => Promise<void> }) => void;
  /** Handle SIGINT/SIGTERM. @default true */
  signals?: boolean;
}

/** Parsed command line and environment: what {@link main} starts. */
export interface StartOptions {
  port: number;
  host: string;
  dataDir: string;
  config: ServerConfig;
  upstreamUrl: string | undefined;
  databaseUrl: string | undefined;
}

/**
 * Turn argv + environment into start options.
 *
 * @throws ServerError `SERVER_USAGE`, `SERVER_CONFIG_*`, or `SERVER_INSECURE_BIND` for a non-loopback host without tokens.
 */
export async function resolveStartOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<StartOptions | 'help'> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        upstream: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    throw new ServerError('SERVER_USAGE', `${(cause as Error).message}\n\n${USAGE}`, { cause });
  }
  if (values.help) return 'help';
  // An empty PORT (`PORT= lorakit-server`) is unset; Number('') would be 0, a port the system picks at random.
  const portText = values.port ?? (env['PORT']?.trim() || '8080');
  const port = /^\d+$/.test(portText.trim()) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServerError('SERVER_USAGE', `--port: ${portText} is not a port number (0-65535)`);
  }
  const config = values.config ? await readServerConfig(values.config) : parseServerConfig({}, '(defaults)');
  const adminToken = env['LORAKIT_ADMIN_TOKEN'];
  if (adminToken !== undefined && adminToken !== '') {
    if (adminToken.length < 16) {
      throw new ServerError('SERVER_CONFIG_INVALID', 'LORAKIT_ADMIN_TOKEN must be at least 16 characters');
    }
    config.tokens.push({ name: 'admin (LORAKIT_ADMIN_TOKEN)', token: adminToken, scopes: ['admin'] });
  }
  const host = values.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && config.tokens.length === 0) {
    throw new ServerError(
      'SERVER_INSECURE_BIND',
      `refusing to listen on ${host} without any token: set LORAKIT_ADMIN_TOKEN or configure tokens in --config`,
    );
  }
  if (values.upstream !== undefined) {
    try {
      new URL(values.upstream);
    } catch (cause) {
      throw new ServerError('SERVER_USAGE', `--upstream: ${values.upstream} is not a URL`, { cause });
    }
  }
  return {
    port,
    host,
    dataDir: resolve(values['data-dir'] ?? '.lorakit'),
    config,
    upstreamUrl: values.upstream,
    databaseUrl: env['DATABASE_URL'] || undefined,
  };
}

/**
 * The `lorakit-server` command: start the service and resolve with the exit code once it stops.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => console.error(line));
  let store: RegistryStore | undefined;
  try {
    const start = await resolveStartOptions(argv, env);
    if (start === 'help') {
      print(USAGE);
      return 0;
    }
    store = start.databaseUrl
      ? await createPostgresStore({ connectionString: start.databaseUrl })
      : await createSqliteStore({ file: resolve(start.dataDir, 'lorakit.db') });
    await store.migrate();
    const storeLine = `${store.kind} ${store.location}`;
    const app = await createServer({
      config: start.config,
      store,
      dataDir: start.dataDir,
      ...(start.upstreamUrl !== undefined && { upstreamUrl: start.upstreamUrl }),
      logger: { level: env['LOG_LEVEL'] ?? 'info' },
      env,
    });
    store = undefined; // owned by the app now: closed on app.close()
    const address = await app.listen({ port: start.port, host: start.host });
    const tokens = start.config.tokens.length;
    print(
      `lorakit-server listening on ${address} (store: ${storeLine}; ` +
        `${tokens === 0 ? 'no tokens: auth disabled, loopback only' : `${tokens} token(s)`})`,
    );
    return await new Promise<number>((resolveExit) => {
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        // close() stops accepting and waits for requests in flight; a stalled proxied stream would hold it for
        // upstream.timeout_ms, so after the grace period their connections are cut.
        const grace = setTimeout(() => app.server.closeAllConnections(), start.config.limits.shutdown_grace_ms);
        try {
          await app.close();
        } finally {
          clearTimeout(grace);
        }
        resolveExit(0);
      };
      if (options.signals !== false) {
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      }
      options.onListening?.({ url: address, stop });
    });
  } catch (error) {
    await store?.close().catch(() => undefined);
    const e = error as { code?: unknown; message?: unknown };
    print(`lorakit-server: ${typeof e.code === 'string' ? `${e.code}: ` : ''}${String(e.message)}`);
    return e.code === 'SERVER_USAGE' ? 2 : 1;
  }
}
