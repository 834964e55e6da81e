import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseServerConfig, type ServerConfigInput } from '../src/config.js';
import { createServer, type CreateServerOptions, type LorakitServer } from '../src/create-server.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';

/** Tokens every test server knows: one per scope. */
export const TOKENS = {
  read: 'read-token-0123456789',
  export: 'export-token-0123456789',
  admin: 'admin-token-0123456789',
} as const;

export const auth = (scope: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[scope]}` });

/** A test server on a fresh SQLite file in a temp data dir, with captured JSON log lines. */
export interface TestServer {
  app: LorakitServer;
  dataDir: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startTestServer(
  config: ServerConfigInput = {},
  extra: Partial<CreateServerOptions> = {},
): Promise<TestServer> {
  const dataDir = extra.dataDir ?? mkdtempSync(join(tmpdir(), 'lorakit-server-'));
  let store = extra.store;
  if (!store) {
    store = await createSqliteStore({ file: join(dataDir, 'lorakit.db') });
    await store.migrate();
  }
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await createServer({
    config: parseServerConfig({
      tokens: [
        { name: 'reader', token: TOKENS.read, scopes: ['read'] },
        { name: 'exporter', token: TOKENS.export, scopes: ['read', 'export'] },
        { name: 'root', token: TOKENS.admin, scopes: ['admin'] },
      ],
      ...config,
    }),
    dataDir,
    logger: { level: 'info', stream },
    ...extra,
    store,
  });
  return {
    app,
    dataDir,
    logs,
    async close() {
      // fetch (undici) may hold a spare idle socket that never sent a request; don't wait for its headers timeout.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      if (!extra.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Audit entries written so far. */
export function auditLines(logs: Record<string, unknown>[]): Record<string, unknown>[] {
  return logs.flatMap((l) => (l['audit'] ? [l['audit'] as Record<string, unknown>] : []));
}
