import { mkdtempSync, readFileSync } from 'node:fs';
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
