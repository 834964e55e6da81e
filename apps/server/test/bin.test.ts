import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// End-to-end runs of the built bin (bin/lorakit-server.js → dist/index.js): build first (`tsc -b apps/server`).
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'lorakit-server.js');
const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-bin-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  // The test picks the store and the tokens; the developer's shell must not.
  delete base['DATABASE_URL'];
  delete base['LORAKIT_ADMIN_TOKEN'];
  const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`exited before listening: ${stderr}`)));
  });
  // Runs that are meant to fail never listen; only tests that await `listening` see the rejection.
  listening.catch(() => undefined);
  return { child, exited, listening, stderr: () => stderr };
}

describe('lorakit-server bin', () => {
  it('starts on SQLite, says where it listens and which store, serves, and stops on SIGTERM', async () => {
    const token = 'bin-admin-token-0123456789';
    const server = start(['--port', '0', '--data-dir', dataDir], { LORAKIT_ADMIN_TOKEN: token, LOG_LEVEL: 'warn' });
    const url = await server.listening;
    expect(server.stderr()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(store: sqlite .*lorakit\.db; 1 token\(s\)\)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/adapters`)).status).toBe(401);
    const res = await fetch(`${url}/v1/adapters`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses a non-loopback host without any token', async () => {
    const server = start(['--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir]);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain('SERVER_INSECURE_BIND');
  });

  it('names the file and line of a broken config, and the key of an invalid one', async () => {
    const broken = join(dataDir, 'broken.yaml');
    writeFileSync(broken, 'tokens:\n  - name: a\n    scopes: [read\n');
    const first = start(['--config', broken, '--data-dir', dataDir]);
    expect(await first.exited).toBe(1);
    expect(first.stderr()).toMatch(/SERVER_CONFIG_UNREADABLE: .*broken\.yaml:\d+/);

    const invalid = join(dataDir, 'invalid.yaml');
    writeFileSync(invalid, 'limits:\n  job_concurrency: -1\n');
    const second = start(['--config', invalid, '--data-dir', dataDir]);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('invalid.yaml: limits.job_concurrency');
  });

  it('exits 2 on an unknown flag', async () => {
    const server = start(['--nope']);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain('SERVER_USAGE');
  });
});
