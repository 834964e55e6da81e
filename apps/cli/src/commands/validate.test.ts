import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../../../tools/test-env.mjs';
import { runCli } from '../../test/run-cli.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures');
const cwd = fixtures;

describe('lorakit validate: input that is not JSONL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorakit-not-jsonl-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };

  it('says a JSON array is not JSONL, exit 2, before reading any record', async () => {
    for (const file of [
      write('pretty.json', '[\n  {"instruction": "hi", "output": "hello"},\n  {"instruction": "a", "output": "b"}\n]\n'),
      write('one-line.json', '[{"instruction": "hi"}, {"instruction": "a"}]'),
      write('array.jsonl', '\ufeff\n[\n{"a": 1}\n]\n'),
    ]) {
      const r = await runCli(['validate', '--infer', file], { cwd: dir });
      expect(r.code, file).toBe(2);
      expect(r.stderr).toContain(`${file} is a JSON array, not JSONL`);
      expect(r.stdout).toBe('');
    }
  });

  it('says a CSV file is not JSONL, exit 2', async () => {
    const r = await runCli(['validate', '--schema', join(fixtures, 'qa.schema.json'), write('data.csv', 'instruction,output\nhi,hello\n')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('data.csv is CSV, not JSONL');
    expect(r.stderr).toContain('source of type csv');
  });

  it('reads a named pipe as JSONL (as from `<(zcat data.jsonl.gz)`), without peeking at it', async () => {
    const fifo = join(dir, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO for writing waits for its reader: the CLI.
    const [r] = await Promise.all([runCli(['validate', '--schema', join(fixtures, 'qa.schema.json'), fifo]), writeFile(fifo, readFileSync(join(fixtures, 'valid.jsonl')))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 records, 2 valid');
  });

  it('keeps JSONL as JSONL, whatever the extension, records that are arrays included', async () => {
    const r = await runCli(['validate', '--infer', write('lines.json', '{"a": 1}\n{"a": 2}\n')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const arrays = await runCli(['validate', '--infer', write('arrays.jsonl', '[1, 2]\n[3, 4]\n')], { cwd: dir });
    expect(arrays.code, arrays.stderr).toBe(0);
    expect(arrays.stdout).toContain('2 records, 2 valid');
  });

  const instruction = sharedPath('datasets/instruction');
  it.skipIf(instruction === undefined)('real files: a JSON array and a CSV dataset', async () => {
    const json = await runCli(['validate', '--infer', join(instruction ?? '', 'hiyouga__LLaMA-Factory__identity.json')]);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('hiyouga__LLaMA-Factory__identity.json is a JSON array, not JSONL');
    const csv = await runCli(['validate', '--infer', join(instruction ?? '', 'LEL-A__EuroInstructProject__InstructGermanDPR_v1_test.csv')]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('is CSV, not JSONL');
  });
});

describe('lorakit validate', () => {
  it('exits 0 and prints a summary when every record is valid (German text and emoji count as characters)', async () => {
    const r = await runCli(['validate', '--schema', 'qa.schema.json', 'valid.jsonl'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('valid.jsonl: 2 records, 2 valid, all valid');
  });

  it('prints file:line path message per issue, then the summary, and exits 1', async () => {
    const r = await runCli(['validate', '--schema', 'qa.schema.json', 'invalid.jsonl'], { cwd });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^invalid\.jsonl:4: \/output: .*20.*\[too_small\]$/);
    expect(lines[1]).toMatch(/^invalid\.jsonl:5: .*\[parse\]$/);
    expect(lines[2]).toMatch(/^invalid\.jsonl:6: \/created: .*\[format\]$/);
    expect(lines.at(-1)).toMatch(/^invalid\.jsonl: 5 records, 2 valid, 3 invalid \(.*too_small 1.*\); 1 blank line skipped$/);
  });

  it('--format json (and its --json alias) gives every issue with line, code, path and message', async () => {
    for (const flag of [['--format', 'json'], ['--json']]) {
      const r = await runCli(['validate', '--schema', 'qa.schema.json', ...flag, 'invalid.jsonl'], { cwd });
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { valid: boolean; issues: Array<Record<string, unknown>>; files: unknown[] };
      expect(doc.valid).toBe(false);
      expect(doc.issues.map((i) => [i['line'], i['code'], i['path']])).toEqual([
        [4, 'too_small', '/output'],
        [5, 'parse', ''],
        [6, 'format', '/created'],
      ]);
      expect(doc.issues[0]?.['message']).toEqual(expect.any(String));
      expect(doc.files).toEqual([expect.objectContaining({ file: 'invalid.jsonl', records: 5, valid: 2, invalid: 3, blank: 1 })]);
    }
  });

  it('reads - from stdin', async () => {
    const stdin = readFileSync(join(fixtures, 'invalid.jsonl'), 'utf8');
    const r = await runCli(['validate', '--schema', 'qa.schema.json', '-'], { cwd, stdin });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:4: \/output: /m);
  });

  it('--max-issues limits what is printed, not what is counted', async () => {
    const r = await runCli(['validate', '--schema', 'qa.schema.json', '--max-issues', '1', 'invalid.jsonl'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => /^invalid\.jsonl:\d+:/.test(l))).toHaveLength(1);
    expect(r.stdout).toContain('2 more issues not shown');
    expect(r.stdout).toContain('3 invalid');
  });

  it('a missing data file is an I/O error: exit 2, one line naming the file', async () => {
    const r = await runCli(['validate', '--schema', 'qa.schema.json', 'nope.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lorakit: nope.jsonl: no such file\n');
    expect(r.stdout).toBe('');
  });

  it('a missing schema file is exit 2', async () => {
    const r = await runCli(['validate', '--schema', 'missing.schema.json', 'valid.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lorakit: missing.schema.json: no such file\n');
  });

  it('a schema that is not JSON names the file, line and column', async () => {
    const r = await runCli(['validate', '--schema', 'broken.schema.json', 'valid.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: broken\.schema\.json:4:1: invalid JSON/);
  });

  it('an invalid schema is exit 2 with a message naming the schema file and the bad keyword', async () => {
    const r = await runCli(['validate', '--schema', 'bad-type.schema.json', 'valid.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^lorakit: bad-type\.schema\.json: .*type/);
  });

  it('--verbose adds the full cause', async () => {
    const r = await runCli(['validate', '--verbose', '--schema', 'bad-type.schema.json', 'valid.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('caused by:');
  });

  it('needs --schema or --infer', async () => {
    const r = await runCli(['validate', 'valid.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--schema');
  });

  it('--infer validates against a schema inferred from the data and can save it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-cli-'));
    const out = join(dir, 'inferred.json');
    const r = await runCli(['validate', '--infer', '--schema', out, 'valid.jsonl'], { cwd });
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const schema = JSON.parse(readFileSync(out, 'utf8')) as { type?: unknown; required?: unknown };
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['instruction', 'output']));
  });

  it('--infer never replaces an existing --schema file without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-cli-'));
    const out = join(dir, 'schema.json');
    writeFileSync(out, '{"mine": true}\n');
    const r = await runCli(['validate', '--infer', '--schema', out, 'valid.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`lorakit: ${out}: already exists (pass --force to replace it)\n`);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('{"mine": true}\n');
    const forced = await runCli(['validate', '--infer', '--schema', out, '--force', 'valid.jsonl'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveProperty('type', 'object');
    // Not even --force writes the schema over one of the data files.
    const data = readFileSync(join(cwd, 'valid.jsonl'), 'utf8');
    const over = await runCli(['validate', '--infer', '--schema', 'valid.jsonl', '--force', 'valid.jsonl'], { cwd });
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('valid.jsonl: is one of the data files');
    expect(readFileSync(join(cwd, 'valid.jsonl'), 'utf8')).toBe(data);
  });
});
