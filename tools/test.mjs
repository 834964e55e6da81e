// The README's test command: build, lint and type-check every project through Nx (cached), then run every
// test suite in one vitest process and print the closing line `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_ISOLATE_PLUGINS: 'false' };
const step = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`lorakit test: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

step('npx', ['nx', 'sync:check']);
step('npx', ['nx', 'run-many', '-t', 'build', 'lint', 'typecheck', '--output-style=stream-without-prefixes']);
const report = join(root, 'test-output', 'vitest.json');
const extra = process.argv.slice(2);
// Tests make their scratch directories under os.tmpdir(); one folder for the run, removed after it, so a run leaves
// nothing behind in /tmp (tests that clean up after themselves do no harm).
const scratch = mkdtempSync(join(tmpdir(), 'lorakit-test-'));
let r;
try {
  r = spawnSync(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
    { cwd: root, stdio: 'inherit', env: { ...env, TMPDIR: scratch } },
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
let summary;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error('lorakit test: vitest wrote no report');
  process.exit(1);
}
const skipped = summary.numPendingTests + summary.numTodoTests;
// A test file that fails to load has no failed test in it; count it as a failure so the closing line never
// reads `0 failed` on a red run.
const brokenFiles = summary.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
console.log(`${summary.numPassedTests} passed, ${summary.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
process.exit(r.status === 0 && summary.success ? 0 : 1);
