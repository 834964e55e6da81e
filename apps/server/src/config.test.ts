import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTokenVerifier, hasScope } from './auth.js';
import { parseServerConfig, resolveInDataDir, ServerConfigSchema } from './config.js';
import { resolveNamedSources } from './internal/named-sources.js';
import { resolveStartOptions } from './main.js';

const schemaFile = join(import.meta.dirname, '..', 'server-config.schema.json');

describe('ServerConfigSchema', () => {
  it('matches the committed JSON Schema (UPDATE_SCHEMA=1 rewrites it)', () => {
    const generated = `${JSON.stringify(z.toJSONSchema(ServerConfigSchema, { io: 'input' }), null, 2)}\n`;
    if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(schemaFile, generated);
    expect(readFileSync(schemaFile, 'utf8')).toBe(generated);
  });

  it('refuses timer settings beyond what a Node timer can wait (they would fire at once)', () => {
    expect(() => parseServerConfig({ limits: { shutdown_grace_ms: 3_000_000_000 } })).toThrow(/limits\.shutdown_grace_ms/);
    expect(() => parseServerConfig({ upstream: { url: 'http://127.0.0.1:8000', timeout_ms: 3_000_000_000 } })).toThrow(/upstream\.timeout_ms/);
    expect(parseServerConfig({ limits: { shutdown_grace_ms: 2 ** 31 - 1 } }).limits.shutdown_grace_ms).toBe(2 ** 31 - 1);
  });

  it('fills defaults and names each bad key with the file', () => {
    const config = parseServerConfig({});
    expect(config.limits.job_concurrency).toBe(2);
    expect(config.tokens).toEqual([]);
    expect(() => parseServerConfig({ limits: { body_bytes: 'big' }, extra: 1 }, 'server.yaml')).toThrow(
      /server\.yaml: limits\.body_bytes: .*\n.*server\.yaml: \(root\): Unrecognized key: "extra"/,
    );
    expect(() => parseServerConfig({ tokens: [{ name: 'a', scopes: ['read'] }] })).toThrow(/exactly one of token/);
  });
});

describe('createTokenVerifier', () => {
  const secret = 'a-very-secret-token-123';
  const tokens = parseServerConfig({
    tokens: [
      { name: 'plain', token: secret, scopes: ['read'] },
      { name: 'hashed', token_sha256: createHash('sha256').update('hashed-token-abcdefgh').digest('hex'), scopes: ['export'] },
      { name: 'env', token_env: 'MY_TOKEN', scopes: ['admin'] },
    ],
  }).tokens;

  it('accepts each configured form and rejects anything else', () => {
    const v = createTokenVerifier(tokens, { MY_TOKEN: 'env-token-0123456789' });
    expect(v.verify(`Bearer ${secret}`)?.name).toBe('plain');
    expect(v.verify('Bearer hashed-token-abcdefgh')?.name).toBe('hashed');
    expect(v.verify('bearer env-token-0123456789')?.name).toBe('env');
    expect(v.verify(`Bearer ${secret}x`)).toBeUndefined();
    expect(v.verify(secret)).toBeUndefined();
    expect(v.verify(undefined)).toBeUndefined();
    expect(v.verify('Bearer ')).toBeUndefined();
  });

  it('fails at start-up when a token variable is unset', () => {
    expect(() => createTokenVerifier(tokens, {})).toThrow(/MY_TOKEN is not set/);
    // As short as a token in the config may not be (before: "abc" was an admin token).
    expect(() => createTokenVerifier(tokens, { MY_TOKEN: 'abc' })).toThrow('token env: environment variable MY_TOKEN holds 3 characters; a token needs at least 16');
  });

  it('treats no tokens as the anonymous admin (loopback-only mode)', () => {
    const v = createTokenVerifier([]);
    expect(v.enabled).toBe(false);
    expect(v.verify(undefined)).toEqual({ name: 'anonymous', scopes: ['admin'] });
  });

  it('lets admin hold every scope and nothing else widen', () => {
    expect(hasScope({ name: 'a', scopes: ['admin'] }, 'export')).toBe(true);
    expect(hasScope({ name: 'r', scopes: ['read'] }, 'export')).toBe(false);
    expect(hasScope({ name: 'e', scopes: ['export'] }, 'admin')).toBe(false);
  });
});

describe('data directory confinement', () => {
  it('resolves relative paths inside and refuses escapes', () => {
    expect(resolveInDataDir('/srv/data', 'sources/a.jsonl', 'x')).toBe('/srv/data/sources/a.jsonl');
    expect(() => resolveInDataDir('/srv/data', '../etc/passwd', 'x')).toThrow(/outside the data directory/);
    expect(() => resolveInDataDir('/srv/data', '/etc/passwd', 'x')).toThrow(/outside the data directory/);
    expect(() => resolveInDataDir('/srv/data', '/srv/database/x', 'x')).toThrow(/outside/);
  });

  it('validates named sources with the exporter schema', () => {
    const ok = resolveNamedSources({ crm: { type: 'jsonl', path: 'crm.jsonl' } }, '/srv/data');
    // Relative to the data directory, the jobs' working directory: manifests never show the server's paths.
    expect(ok.get('crm')).toMatchObject({ type: 'jsonl', path: 'crm.jsonl' });
    expect(resolveNamedSources({ abs: { type: 'jsonl', path: '/srv/data/in/crm.jsonl' } }, '/srv/data').get('abs')).toMatchObject({ path: 'in/crm.jsonl' });
    expect(() => resolveNamedSources({ bad: { type: 'jsonl', path: '../../etc/passwd' } }, '/srv/data')).toThrow(/sources\.bad\.path/);
    expect(() => resolveNamedSources({ bad: { type: 'nope' } }, '/srv/data')).toThrow(/sources\.bad/);
    expect(() => resolveNamedSources({ bad: { type: 'stdin' } }, '/srv/data')).toThrow(/cannot be stdin/);
  });
});

describe('resolveStartOptions', () => {
  it('reads PORT, LORAKIT_ADMIN_TOKEN and DATABASE_URL', async () => {
    const start = await resolveStartOptions([], { PORT: '9090', LORAKIT_ADMIN_TOKEN: 'x'.repeat(20), DATABASE_URL: 'postgres://db/x' });
    expect(start).toMatchObject({ port: 9090, host: '127.0.0.1', databaseUrl: 'postgres://db/x' });
    expect(start !== 'help' && start.config.tokens.map((t) => t.scopes)).toEqual([['admin']]);
  });

  it('refuses a non-loopback host without tokens, and a short admin token', async () => {
    await expect(resolveStartOptions(['--host', '0.0.0.0'], {})).rejects.toMatchObject({ code: 'SERVER_INSECURE_BIND' });
    await expect(resolveStartOptions(['--host', '0.0.0.0'], { LORAKIT_ADMIN_TOKEN: 'x'.repeat(20) })).resolves.toMatchObject({ host: '0.0.0.0' });
    await expect(resolveStartOptions([], { LORAKIT_ADMIN_TOKEN: 'short' })).rejects.toMatchObject({ code: 'SERVER_CONFIG_INVALID' });
    await expect(resolveStartOptions(['--port', '99999'], {})).rejects.toMatchObject({ code: 'SERVER_USAGE' });
    await expect(resolveStartOptions(['--upstream', 'not a url'], {})).rejects.toMatchObject({ code: 'SERVER_USAGE' });
  });
});
