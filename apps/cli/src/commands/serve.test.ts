import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

describe('lorakit serve', () => {
  it('runs lorakit-server with the arguments after -- and returns its exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-serve-'));
    const fake = join(dir, 'fake-server.mjs');
    writeFileSync(fake, `#!${process.execPath}\nimport { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(dir, 'args.json'))}, JSON.stringify(process.argv.slice(2)));\nprocess.exit(3);\n`);
    chmodSync(fake, 0o755);
    const r = await runCli(['serve', '--', '--port', '9999'], { env: { LORAKIT_SERVER_BIN: fake, PATH: process.env['PATH'] } });
    expect(r.code).toBe(3);
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8'))).toEqual(['--port', '9999']);
  });

  it('finds the @lorakit/server installed beside it without node_modules/.bin on the PATH (node bin/lorakit.js serve)', async () => {
    // Before: "lorakit-server not found: install the server with npm install @lorakit/server", with it installed.
    const r = await runCli(['serve', '--', '--help'], { env: { PATH: '/usr/bin:/bin' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a missing server is a clear error naming the package to install', async () => {
    const r = await runCli(['serve'], { env: { LORAKIT_SERVER_BIN: 'lorakit-server-does-not-exist', PATH: process.env['PATH'] } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm install @lorakit/server');
  });
});
