import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const cwd = join(import.meta.dirname, '..', '..', 'test', 'fixtures');

describe('lorakit schema', () => {
  it('infer: a 2020-12 schema of the records, required fields included', async () => {
    const r = await runCli(['schema', 'infer', 'valid.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; type: string; required: string[] };
    expect(schema.$schema).toContain('2020-12');
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['instruction', 'output']));
  });

  it('infer -o writes a file, and the records validate against it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-schema-'));
    const out = join(dir, 's.json');
    expect((await runCli(['schema', 'infer', 'valid.jsonl', '-o', out], { cwd })).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveProperty('properties.instruction');
    expect((await runCli(['validate', '--schema', out, 'valid.jsonl'], { cwd })).code).toBe(0);
  });

  it('infer: refuses a JSON array or CSV file up front (exit 2), and a file where no line parses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-schema-'));
    writeFileSync(join(dir, 'array.json'), '[\n  {"instruction": "Q", "output": "A"}\n]\n');
    writeFileSync(join(dir, 'table.csv'), 'instruction,output\nQ,A\n');
    writeFileSync(join(dir, 'broken.jsonl'), '{"instruction":\nnot json\n');
    const array = await runCli(['schema', 'infer', 'array.json'], { cwd: dir });
    expect(array.code).toBe(2);
    expect(array.stderr).toContain('array.json is a JSON array, not JSONL');
    expect(array.stdout).toBe('');
    const csv = await runCli(['schema', 'infer', 'table.csv'], { cwd: dir });
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('table.csv is CSV, not JSONL');
    const broken = await runCli(['schema', 'infer', 'broken.jsonl'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('skipped 2 lines that could not be read (first: line 1: invalid JSON');
    expect(broken.stderr).toContain('no records to infer a schema from in broken.jsonl');
    expect(broken.stdout).toBe('');
  });

  it('infer: says how many lines it skipped, and describes the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-schema-'));
    const deep = `{"instruction":"Q","output":"A","meta":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    writeFileSync(join(dir, 'some.jsonl'), `{"instruction":"Q","output":"A"}\n{oops\n${deep}\n`);
    const r = await runCli(['schema', 'infer', 'some.jsonl'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('some.jsonl: skipped 1 line that could not be read (first: line 2: invalid JSON');
    expect(JSON.parse(r.stdout)).toMatchObject({ required: ['instruction', 'output'] });
  });

  it('types: TypeScript declarations', async () => {
    const r = await runCli(['schema', 'types', 'qa.schema.json', '--name', 'QaRecord'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/export interface QaRecord \{/);
    expect(r.stdout).toMatch(/instruction: string;/);
  });

  it('check: keywords a backend ignores make exit 1 and are listed with their schema path', async () => {
    const r = await runCli(['schema', 'check', 'age.schema.json', '--backend', 'outlines', '--json'], { cwd });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { compatible: boolean; backends: Array<{ backend: string; findings: Array<{ schemaPath: string; keyword: string }> }> };
    expect(doc.compatible).toBe(false);
    expect(doc.backends[0]?.findings).toEqual([expect.objectContaining({ keyword: 'minimum', schemaPath: '#/properties/age/minimum' })]);
    const xgrammar = await runCli(['schema', 'check', 'age.schema.json', '--backend', 'xgrammar'], { cwd });
    expect(xgrammar.code).toBe(0);
    expect(xgrammar.stdout).toContain('xgrammar: fully supported');
  });

  it('check: an unknown backend is a usage error', async () => {
    const r = await runCli(['schema', 'check', 'qa.schema.json', '--backend', 'llama'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('outlines, xgrammar, guidance');
  });
});
