import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures');
const args = ['validate', '--schema', 'qa.schema.json', 'invalid.jsonl'];
const ESC = String.fromCharCode(27);

function bigFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lorakit-progress-'));
  const line = '{"instruction":"Wie lang ist die Frist?","output":"Vierzehn Tage ab Erhalt der Ware."}\n';
  writeFileSync(join(dir, 'big.jsonl'), line.repeat(200_000));
  return join(dir, 'big.jsonl');
}

describe('output conventions', () => {
  it('NO_COLOR turns colour off; FORCE_COLOR turns it on without a terminal', async () => {
    const plain = await runCli(args, { cwd: fixtures, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain(ESC);
    const forced = await runCli(args, { cwd: fixtures, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(`${ESC}[`);
    const flag = await runCli([...args, '--no-color'], { cwd: fixtures, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(flag.stdout).not.toContain(ESC);
  });

  it('without a terminal, progress is plain periodic lines on stderr; --quiet silences it', async () => {
    const file = bigFile();
    const env = { LORAKIT_PROGRESS_INTERVAL_MS: '5' };
    const r = await runCli(['validate', '--schema', 'qa.schema.json', file], { cwd: fixtures, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^validate: \d+ records \(\d+\/s\)$/m);
    expect(r.stderr).not.toContain(ESC);
    const quiet = await runCli(['validate', '--schema', 'qa.schema.json', file, '--quiet'], { cwd: fixtures, env });
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('200000 records');
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('results go to stdout, diagnostics to stderr', async () => {
    const r = await runCli(['validate', '--schema', 'qa.schema.json', 'invalid.jsonl', '--json'], { cwd: fixtures });
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(r.stderr).toBe('');
  });
});
