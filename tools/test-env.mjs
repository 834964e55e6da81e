// Test helpers for resources outside the repository: ../shared (beside the project root), PostgreSQL and
// Chromium. On a user's laptop a missing resource skips the tests that need it, with a message saying why;
// `.ci/run` sets LORAKIT_REQUIRE_SHARED / LORAKIT_REQUIRE_SERVICES, which turn a missing resource into a failure.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function need(what, found, envVar, hint) {
  if (found) return found;
  const message = `${what} not available: ${hint}`;
  if (process.env[envVar] === '1') throw new Error(`${message} (required because ${envVar}=1)`);
  console.warn(`[skip] ${message}; the tests that need it are skipped`);
  return undefined;
}

/** Absolute path of ../shared/<sub>, or undefined (tests skip) when it is absent. */
export function sharedPath(sub = '') {
  const dir = process.env.LORAKIT_SHARED_DIR ?? join(repoRoot, '..', 'shared');
  const p = join(dir, sub);
  return need(`shared data ${p}`, existsSync(p) ? p : undefined, 'LORAKIT_REQUIRE_SHARED',
    'it is the team\'s folder beside the project root: the official JSON-Schema-Test-Suite (github.com/json-schema-org/JSON-Schema-Test-Suite, as json-schema-test-suite/) ' +
      'and public instruction datasets and PEFT adapter configs (datasets/, sources and licences in datasets/SOURCES.md); set LORAKIT_SHARED_DIR to point elsewhere');
}

/** PostgreSQL connection string for tests, or undefined (tests skip). */
export function postgresUrl() {
  return need('PostgreSQL', process.env.LORAKIT_TEST_DATABASE_URL, 'LORAKIT_REQUIRE_SERVICES',
    'set LORAKIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (a database you can create tables in: createdb test) to run these tests');
}

/** Path of a Chromium binary for browser tests, or undefined (tests skip). */
export function chromiumPath() {
  const p = process.env.LORAKIT_CHROMIUM ?? '/usr/bin/chromium';
  return need(`Chromium at ${p}`, existsSync(p) ? p : undefined, 'LORAKIT_REQUIRE_SERVICES',
    'install it (Debian: `apt-get install -y chromium`), or set LORAKIT_CHROMIUM to a Chromium or Chrome binary');
}

/** Launch options for playwright-core's chromium.launch() that work as root and offline. */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
