// Set-up that `npm run demo` and `npm test` run first: install from the lockfile when node_modules is missing or
// older than the lockfile, then build every package (Nx caches it, so a second run costs about a second).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, env = {}) => execSync(cmd, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('lorakit setup: installing dependencies from package-lock.json (npm ci)…');
  // better-sqlite3 is compiled against Node's own headers (python3, make and a C++ compiler needed); prebuilt
  // binaries are never downloaded. An official Node.js install holds the headers under its prefix: pointing node-gyp
  // there spares it downloading them from nodejs.org.
  const prefix = resolve(process.execPath, '..', '..');
  const headers = process.env.npm_config_nodedir === undefined && existsSync(join(prefix, 'include', 'node', 'node.h'));
  run('npm ci --no-audit --no-fund', { npm_config_build_from_source: 'true', ...(headers ? { npm_config_nodedir: prefix } : {}) });
}
if (!process.argv.includes('--no-build')) {
  run('npx nx run-many -t build --output-style=stream-without-prefixes', {
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_ISOLATE_PLUGINS: 'false',
  });
}
