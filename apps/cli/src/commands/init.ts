import { basename, dirname, extname, join, relative } from 'node:path';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import { toCommentedYaml } from '../internal/commented-yaml.js';
import { ContextError, resolvePath, type CommandContext } from '../internal/context.js';
import { assertReadableFile, writeTextAtomic } from '../internal/files.js';
import type { Opts } from '../program.js';
import { inferFromRecords } from './schema.js';

/** The source config for DATA: a file by its extension, or a database URL (`sqlite:`, `postgres://`). */
export function sourceFor(data: string, table: string | undefined): Record<string, unknown> {
  const needTable = (kind: string) => {
    if (table === undefined) throw new CliError('CLI_USAGE', `init from ${kind} needs --table NAME (the table to export)`);
    return table;
  };
  if (/^postgres(ql)?:\/\//.test(data)) {
    // The URL goes into the environment, never into a config file that may be committed with a password in it.
    return { type: 'postgres', url_env: 'DATABASE_URL', table: needTable('PostgreSQL') };
  }
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(data);
  if (sqlite?.[1] !== undefined) return { type: 'sqlite', path: sqlite[1], table: needTable('SQLite') };
  const name = data.toLowerCase().replace(/\.(gz|zst|zstd)$/, '');
  const ext = extname(name);
  if (ext === '.sqlite' || ext === '.db' || ext === '.sqlite3') return { type: 'sqlite', path: data, table: needTable('SQLite') };
  if (ext === '.jsonl' || ext === '.ndjson') return { type: 'jsonl', path: data };
  if (ext === '.json') return { type: 'json', path: data };
  if (ext === '.csv' || ext === '.tsv') return ext === '.tsv' ? { type: 'csv', path: data, delimiter: '\t' } : { type: 'csv', path: data };
  if (ext === '.parquet') return { type: 'parquet', path: data };
  throw new CliError('CLI_USAGE', `${data}: cannot tell the format from the name; use .jsonl, .json, .csv, .parquet, .sqlite or a postgres:// URL`);
}

/** DATA as it may be written into a file: a database URL without its user and password. */
export function safeName(data: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(data)) return data;
  try {
    const url = new URL(data);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return data.replace(/\/\/[^@/]*@/, '//');
  }
}

/** `lorakit init [DATA]`: a commented lorakit.yaml guessed from the first records of DATA, plus an inferred schema. */
export async function initCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const { io, out } = ctx;
  const data = args[0] as string | undefined;
  const target = (opts['output'] as string | undefined) ?? 'lorakit.yaml';
  const force = opts['force'] === true;
  const sample = opts['sample'] as number;
  const ex = await import('@lorakit/jsonl-exporter');

  let guessed: Record<string, unknown>;
  let notes: string[] = [];
  let schemaFile: string | undefined;
  if (data !== undefined) {
    const source = sourceFor(data, opts['table'] as string | undefined);
    if (typeof source['path'] === 'string') await assertReadableFile(io, source['path']);
    const records: Record<string, unknown>[] = [];
    // The URL given on the command line is used to read the sample only; the config names the variable instead.
    const env = source['type'] === 'postgres' ? { ...io.env, [source['url_env'] as string]: data } : io.env;
    const opened = await ex.openSource(source as Parameters<typeof ex.openSource>[0], { cwd: io.cwd, env: env as NodeJS.ProcessEnv });
    try {
      for await (const item of opened.items({ signal: ctx.signal })) {
        if (item.record !== undefined) records.push(item.record);
        if (records.length >= sample) break;
      }
    } catch (error) {
      throw new ContextError(safeName(data), error);
    } finally {
      await opened.close();
    }
    if (records.length === 0) throw new CliError('CLI_USAGE', `${safeName(data)}: no readable records to guess from`);
    const guess = ex.guessExportConfig(records, { source: source as Parameters<typeof ex.openSource>[0] });
    guessed = guess.config as Record<string, unknown>;
    notes = guess.notes;
    if (source['type'] === 'postgres') {
      notes.push(`the connection URL is not written here (it may hold a password): lorakit export reads it from the environment variable ${source['url_env'] as string}`);
    }
    if (target === '-') {
      // The config goes to stdout: there is no folder beside it for a schema file (it was written as "-.schema.json").
      notes.push('no JSON Schema of the records written: the config went to stdout (run `lorakit schema infer` for one)');
    } else {
      const sv = await import('@lorakit/schema-validation');
      const schema = inferFromRecords(sv, records);
      // Beside the config, as its other paths are.
      schemaFile = join(dirname(target), `${basename(target, extname(target))}.schema.json`);
      await writeTextAtomic(io, schemaFile, `${JSON.stringify(schema, null, 2)}\n`, { force });
      const check = source['type'] === 'jsonl' ? ` (check with lorakit validate --schema ${schemaFile} ${data})` : '';
      notes.push(`inferred a JSON Schema of the source records from ${records.length} records: ${schemaFile}${check}`);
    }
  } else {
    guessed = { source: { type: 'jsonl', path: 'data.jsonl' } };
    notes.push('no DATA given: source is data.jsonl; run `lorakit init DATA` to guess the style and mapping from real records');
  }

  // The export resolves paths in a config against the config's folder; DATA was given against the current one.
  const source = guessed['source'] as Record<string, unknown>;
  if (typeof source['path'] === 'string' && target !== '-') {
    source['path'] = relative(dirname(resolvePath(io, target)), resolvePath(io, source['path'])) || '.';
  }
  const config = {
    source,
    style: guessed['style'] ?? 'instruction',
    ...guessed,
    split: { validation: 0.1, seed: 42, ...(guessed['split'] as object | undefined) },
    dedup: { exact: true, near: false, ...(guessed['dedup'] as object | undefined) },
    pii: { policy: 'flag', ...(guessed['pii'] as object | undefined) },
    output: { dir: 'lorakit-export', ...(guessed['output'] as object | undefined) },
  };
  // Fail here, not at the first export: whatever init writes must parse.
  try {
    ex.parseExportConfig(config, { file: target });
  } catch (error) {
    throw new ContextError('the guessed config is invalid (please report this)', error);
  }
  const header = [
    `lorakit export config, written by \`lorakit init${data === undefined ? '' : ` ${safeName(data)}`}\`.`,
    'Every key is optional unless marked otherwise; each can also be given as a flag (lorakit export --help).',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
  const text = await toCommentedYaml(config, ex.ExportConfigSchema, header);
  await writeTextAtomic(io, target, text, { force });
  if (out.format === 'json') out.json({ config: target, schema: schemaFile ?? null, notes });
  else {
    for (const note of notes) out.info(`- ${note}`);
    const urlEnv = source['url_env'];
    const setUrl = typeof urlEnv === 'string' && !io.env[urlEnv] ? `set ${urlEnv} to the database URL, then ` : '';
    const done = `wrote ${target}${schemaFile === undefined ? '' : ` and ${schemaFile}`}; next: ${setUrl}lorakit export --dry-run${target === 'lorakit.yaml' ? '' : ` --config ${target}`}`;
    // With the config on stdout, the status line must not end up in it.
    if (target === '-') out.info(done);
    else out.line(done);
  }
  return ExitCode.ok;
}
