import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('the written config runs: lorakit export --dry-run accepts it', async () => {
    const cwd = workspace();
    expect((await runCli(['init', 'records.jsonl'], { cwd })).code).toBe(0);
    const r = await runCli(['export', '--dry-run'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dry run: read 208 records/m);
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
