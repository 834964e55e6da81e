import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../test/run-cli.js';
import { postgresUrl } from '../../../../tools/test-env.mjs';
import { safeName, sourceFor } from './init.js';

const examples = join(import.meta.dirname, '..', '..', '..', '..', 'examples');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lorakit-init-'));
  copyFileSync(join(examples, 'legal-qa.jsonl'), join(dir, 'records.jsonl'));
  return dir;
}

describe('lorakit init', () => {
  it('guesses style and mapping from the records, writes a commented lorakit.yaml and a schema', async () => {
    const cwd = workspace();
    const r = await runCli(['init', 'records.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(cwd, 'lorakit.yaml'), 'utf8');
    expect(text).toMatch(/^# lorakit export config/);
    expect(text).toMatch(/# Output line shape: .*\nstyle: instruction/);
    const config = parse(text) as { source: { type: string; path: string }; field_mapping: Record<string, string> };
    expect(config.source).toMatchObject({ type: 'jsonl', path: 'records.jsonl' });
    expect(config.field_mapping).toMatchObject({ instruction_field: 'question', output_field: 'answer' });
    const schema = JSON.parse(readFileSync(join(cwd, 'lorakit.schema.json'), 'utf8')) as { type: string };
    expect(schema.type).toBe('object');
  });

  it('-o - writes the config alone to stdout, with no "-.schema.json" beside it', async () => {
    const cwd = workspace();
    const r = await runCli(['init', 'records.jsonl', '-o', '-'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    // Before: the status line "wrote - and -.schema.json; next: …" ended the YAML on stdout, and a file "-.schema.json" appeared.
    expect(r.stdout).not.toContain('wrote -');
    const config = parse(r.stdout) as { source: { path: string } };
    expect(config.source.path).toBe('records.jsonl');
    expect(r.stderr).toContain('wrote -; next: lorakit export --dry-run --config -');
    expect(readdirSync(cwd).sort()).toEqual(['records.jsonl']);
  });

  it('the written config runs: lorakit export --dry-run accepts it', async () => {
    const cwd = workspace();
    expect((await runCli(['init', 'records.jsonl'], { cwd })).code).toBe(0);
    const r = await runCli(['export', '--dry-run'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dry run: read 208 records/m);
  });

  it('a config written into another folder names the data from there, and its schema lies beside it', async () => {
    const cwd = workspace();
    const r = await runCli(['init', 'records.jsonl', '-o', 'sub/cfg.yaml'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect((parse(readFileSync(join(cwd, 'sub', 'cfg.yaml'), 'utf8')) as { source: { path: string } }).source.path).toBe('../records.jsonl');
    expect(JSON.parse(readFileSync(join(cwd, 'sub', 'cfg.schema.json'), 'utf8'))).toHaveProperty('type', 'object');
    const run = await runCli(['export', '--dry-run', '--config', 'sub/cfg.yaml'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^dry run: read 208 records/m);
  });

  it('never overwrites without --force', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'lorakit.yaml'), 'mine: true\n');
    const r = await runCli(['init', 'records.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists (pass --force');
    expect(readFileSync(join(cwd, 'lorakit.yaml'), 'utf8')).toBe('mine: true\n');
    expect((await runCli(['init', 'records.jsonl', '--force'], { cwd })).code).toBe(0);
  });

  it('writes a schema that the whole source passes, not just the sample it was inferred from', async () => {
    const cwd = workspace();
    // The first 200 records are short and of two kinds; later ones are longer, empty-ish and of a third kind.
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ id: i, kind: i < 200 ? ['a', 'b'][i % 2] : 'c', question: `Q${i}${i < 200 ? '' : '?'.repeat(500)}`, answer: i < 200 ? `A${i} ok` : 'A' }),
    );
    writeFileSync(join(cwd, 'records.jsonl'), `${lines.join('\n')}\n`);
    expect((await runCli(['init', 'records.jsonl'], { cwd })).code).toBe(0);
    const r = await runCli(['validate', '--schema', 'lorakit.schema.json', 'records.jsonl'], { cwd });
    expect(r.code, r.stdout).toBe(0);
  });

  it('matches field names in any case: a CSV with Question,Answer exports every row', async () => {
    const cwd = workspace();
    const rows = Array.from({ length: 250 }, (_, i) => `"Frage ${i}?","Antwort ${i} mit ${'Wort '.repeat(i % 40)}"`);
    writeFileSync(join(cwd, 'qa.csv'), `Question,Answer\n${rows.join('\n')}\n`);
    expect((await runCli(['init', 'qa.csv'], { cwd })).code).toBe(0);
    const config = parse(readFileSync(join(cwd, 'lorakit.yaml'), 'utf8')) as { field_mapping: Record<string, string> };
    expect(config.field_mapping).toMatchObject({ instruction_field: 'Question', output_field: 'Answer' });
    const r = await runCli(['export', '--dry-run'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/read 250 records, exported 250/);
  });

  it('guesses from a file with one record nested 10,000 levels deep', async () => {
    const cwd = workspace();
    const deep = `{"instruction":"Q","output":"A","meta":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    writeFileSync(join(cwd, 'records.jsonl'), `{"instruction":"Q0","output":"A0","meta":[]}\n${deep}\n`);
    const r = await runCli(['init', 'records.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'lorakit.schema.json'), 'utf8'))).toMatchObject({ properties: { meta: { type: 'array' } } });
  });

  it('reads the first records of a SQLite table', async () => {
    const cwd = workspace();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(cwd, 'tickets.sqlite'));
    db.exec('CREATE TABLE tickets (id TEXT PRIMARY KEY, prompt TEXT, completion TEXT)');
    const insert = db.prepare('INSERT INTO tickets VALUES (?, ?, ?)');
    for (let i = 0; i < 30; i++) insert.run(`t${i}`, `Frage ${i} zur Kündigungsfrist?`, `Antwort ${i}: drei Monate zum Monatsende.`);
    db.close();
    const r = await runCli(['init', 'sqlite:tickets.sqlite', '--table', 'tickets', '-o', 'tickets.yaml'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const config = parse(readFileSync(join(cwd, 'tickets.yaml'), 'utf8')) as { source: unknown; style: string };
    expect(config.source).toMatchObject({ type: 'sqlite', path: 'tickets.sqlite', table: 'tickets' });
    expect(config.style).toBe('completion');
    expect((await runCli(['export', '--config', 'tickets.yaml', '--dry-run'], { cwd })).stdout).toMatch(/read 30 records, exported 30/);
  });

  const pg = postgresUrl();
  it.skipIf(pg === undefined)('reads the first rows of a PostgreSQL table; the URL stays out of the file', async () => {
    const cwd = workspace();
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: pg });
    await client.connect();
    const table = `lorakit_cli_init_${process.pid}`;
    try {
      await client.query(`CREATE TABLE ${table} (id text PRIMARY KEY, messages jsonb)`);
      for (let i = 0; i < 12; i++) {
        const messages = [{ role: 'user', content: `Frage ${i} zur Kaution?` }, { role: 'assistant', content: `Antwort ${i}: höchstens drei Monatsmieten.` }];
        await client.query(`INSERT INTO ${table} VALUES ($1, $2)`, [`m${i}`, JSON.stringify(messages)]);
      }
      const r = await runCli(['init', pg as string, '--table', table], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const text = readFileSync(join(cwd, 'lorakit.yaml'), 'utf8');
      expect(text).not.toContain('postgres@');
      const config = parse(text) as { source: unknown; style: string };
      expect(config.source).toMatchObject({ type: 'postgres', url_env: 'DATABASE_URL', table });
      expect(config.style).toBe('chat');
      // Before, the next step it printed failed with "no connection string", and nothing said where the URL went.
      expect(text).toContain('lorakit export reads it from the environment variable DATABASE_URL');
      expect(r.stdout).toContain('next: set DATABASE_URL to the database URL, then lorakit export --dry-run\n');
      const next = await runCli(['export', '--dry-run'], { cwd, env: { DATABASE_URL: pg } });
      expect(next.code, next.stderr).toBe(0);
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });

  it.skipIf(pg === undefined)('maps a PostgreSQL column "Instruction" and describes timestamptz as a date-time string', async () => {
    const cwd = workspace();
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: pg });
    await client.connect();
    const table = `lorakit_cli_init_ts_${process.pid}`;
    try {
      await client.query(`CREATE TABLE ${table} (id text PRIMARY KEY, "Instruction" text, "Output" text, created_at timestamptz)`);
      for (let i = 0; i < 12; i++) {
        await client.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, [`m${i}`, `Frage ${i}?`, `Antwort ${i}.`, `2026-11-${10 + i}T08:00:00Z`]);
      }
      expect((await runCli(['init', pg as string, '--table', table], { cwd })).code).toBe(0);
      const config = parse(readFileSync(join(cwd, 'lorakit.yaml'), 'utf8')) as { field_mapping: Record<string, string> };
      expect(config.field_mapping).toMatchObject({ instruction_field: 'Instruction', output_field: 'Output' });
      const schema = JSON.parse(readFileSync(join(cwd, 'lorakit.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
      expect(schema.properties['created_at']).toEqual({ type: 'string', format: 'date-time' });
      const r = await runCli(['export', '--dry-run'], { cwd, env: { DATABASE_URL: pg as string } });
      expect(r.stdout).toMatch(/read 12 records, exported 12/);
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });

  it('picks the source type from the name; databases need --table; passwords stay out of the file', () => {
    expect(sourceFor('a.csv', undefined)).toEqual({ type: 'csv', path: 'a.csv' });
    expect(sourceFor('a.jsonl.gz', undefined)).toEqual({ type: 'jsonl', path: 'a.jsonl.gz' });
    expect(sourceFor('sqlite:db.sqlite', 'qa')).toEqual({ type: 'sqlite', path: 'db.sqlite', table: 'qa' });
    expect(sourceFor('postgres://u:secret@h/db', 't')).toEqual({ type: 'postgres', url_env: 'DATABASE_URL', table: 't' });
    expect(() => sourceFor('db.sqlite', undefined)).toThrow(/--table/);
    expect(() => sourceFor('data.bin', undefined)).toThrow(/cannot tell the format/);
    expect(safeName('postgres://app:s3cret@db.internal:5432/crm')).toBe('postgres://db.internal:5432/crm');
    expect(safeName('data.jsonl')).toBe('data.jsonl');
  });
});
