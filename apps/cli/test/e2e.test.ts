// End-to-end: the BUILT `lorakit` binary, as a user runs it. `npm test` builds first; run the build yourself
// (`npx tsc -b apps/cli/tsconfig.json` from the root) when running this file alone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const app = join(import.meta.dirname, '..');
const root = join(app, '..', '..');
const bin = join(app, 'bin', 'lorakit.js');
const fixtures = join(app, 'test', 'fixtures');

function built(): void {
  if (!existsSync(join(app, 'dist', 'index.js'))) {
    throw new Error('apps/cli/dist is missing: run the build first (npx tsc -b apps/cli/tsconfig.json, or npm test)');
  }
}

function lorakit(args: string[], options: { cwd?: string; input?: string } = {}) {
  built();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? fixtures,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lorakit (built binary)', () => {
  it('--version and --help exit 0', () => {
    expect(lorakit(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = lorakit(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
  });

  it('validate: invalid records exit 1 with file:line issues on stdout', () => {
    const r = lorakit(['validate', '--schema', 'qa.schema.json', 'invalid.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^invalid\.jsonl:4: \/output: /m);
    expect(r.stderr).toBe('');
  });

  it('validate: - reads stdin', () => {
    const r = lorakit(['validate', '--schema', 'qa.schema.json', '-'], { input: readFileSync(join(fixtures, 'valid.jsonl'), 'utf8') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<stdin>: 2 records, 2 valid, all valid');
  });

  it('a missing file exits 2 with one line on stderr', () => {
    const r = lorakit(['validate', '--schema', 'qa.schema.json', 'missing.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lorakit: missing.jsonl: no such file\n');
  });

  it('an invalid schema exits 2', () => {
    const r = lorakit(['validate', '--schema', 'bad-type.schema.json', 'valid.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: bad-type\.schema\.json: /);
  });

  it('the demo records validate with the bundled schema, reporting the planted invalid ones', () => {
    const r = lorakit(['validate', '--schema', 'examples/legal-qa.schema.json', 'examples/legal-qa.jsonl', '--json'], { cwd: root });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { files: Array<{ records: number; invalid: number }>; issues: Array<{ code: string }> };
    expect(doc.files[0]?.records).toBe(208);
    expect(doc.files[0]?.invalid).toBe(5);
    expect(new Set(doc.issues.map((i) => i.code))).toEqual(new Set(['too_small', 'required', 'enum', 'format', 'too_big']));
  });

  it('a closed stdout (lorakit … | head) ends quietly with 141, no stack trace', async () => {
    built();
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-e2e-'));
    writeFileSync(join(dir, 'bad.jsonl'), '{"instruction":"x","output":"kurz"}\n'.repeat(50_000));
    const child = spawn(process.execPath, [bin, 'validate', '--schema', join(fixtures, 'qa.schema.json'), '--max-issues', '0', 'bad.jsonl'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(141);
    expect(stderr).not.toContain('EPIPE');
    rmSync(dir, { recursive: true, force: true });
  });

  it('report: a failing gate exits 1', () => {
    const r = lorakit(['report', 'valid.jsonl', '--gate', 'samples >= 100']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gate failed: samples >= 100');
  });

  it('an unreadable config names the bad key and its YAML line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-e2e-'));
    writeFileSync(join(dir, 'data.jsonl'), '{"instruction":"Frage?","output":"Eine ausreichend lange Antwort."}\n');
    writeFileSync(
      join(dir, 'lorakit.yaml'),
      ['source:', '  type: jsonl', '  path: data.jsonl', 'dedup:', '  exact: true', '  near_threshold: 7', ''].join('\n'),
    );
    const r = lorakit(['export'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: lorakit\.yaml:6: dedup\.near_threshold: /);
    expect(existsSync(join(dir, 'lorakit-export'))).toBe(false);
  });

  it('a YAML syntax error names the line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-e2e-'));
    writeFileSync(join(dir, 'bad.yaml'), 'source:\n  type: jsonl\n   path: [unclosed\n');
    const r = lorakit(['export', '--config', 'bad.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: bad\.yaml:\d+: invalid YAML/);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during an export exits %i and leaves no output directory behind', async (signal, exitCode) => {
    built();
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-e2e-'));
    const line = (i: number) =>
      `{"id":"r${i}","instruction":"Frage ${i}: wie lange gilt die Frist?","output":"Antwort ${i}: vierzehn Tage ab Erhalt der Ware, § 355 BGB."}`;
    const chunk: string[] = [];
    for (let i = 0; i < 400_000; i++) chunk.push(line(i));
    writeFileSync(join(dir, 'big.jsonl'), `${chunk.join('\n')}\n`);
    const child = spawn(
      process.execPath,
      [bin, 'export', '--source.type', 'jsonl', '--source.path', 'big.jsonl', '--output.dir', 'out', '--dedup.exact', 'false'],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', LORAKIT_PROGRESS_INTERVAL_MS: '50' } },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/export: [1-9]\d* records/.test(stderr)) resolve();
      });
      child.on('exit', () => reject(new Error(`export ended before it could be interrupted: ${stderr}`)));
    });
    child.kill(signal);
    expect(await exited).toBe(exitCode);
    expect(stderr).toContain('lorakit: interrupted');
    expect(readdirSync(dir).sort()).toEqual(['big.jsonl']);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});

