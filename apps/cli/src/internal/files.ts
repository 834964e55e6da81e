import { mkdir, readFile, rename, rm, writeFile, open, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { resolvePath } from './context.js';

/** How a path is shown in messages: as the user typed it, `<stdin>` for `-`. */
export function displayName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

function ioError(path: string, error: unknown): CliError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new CliError('CLI_FILE_NOT_FOUND', `${path}: no such file`, { cause: error });
  if (code === 'EISDIR') return new CliError('CLI_FILE_UNREADABLE', `${path}: is a directory, expected a file`, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new CliError('CLI_FILE_UNREADABLE', `${path}: cannot read (${reason})`, { cause: error });
}

/** Fails early, with exit 2, when an input file is missing or is a directory. `-` (stdin) always passes. */
export async function assertReadableFile(io: CliIo, path: string): Promise<void> {
  if (path === '-') return;
  try {
    const s = await stat(resolvePath(io, path));
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw ioError(path, error);
  }
}

/** Reads a whole text file (or all of stdin for `-`). */
export async function readText(io: CliIo, path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(resolvePath(io, path), 'utf8');
  } catch (error) {
    throw ioError(path, error);
  }
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Reads and parses a JSON file; a syntax error names the file, line and column. */
export async function readJsonFile(io: CliIo, path: string): Promise<unknown> {
  const text = await readText(io, path);
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const where = at?.[1] === undefined ? '' : (() => {
      const { line, column } = lineColumn(text, Number(at[1]));
      return `:${line}:${column}`;
    })();
    throw new CliError('CLI_JSON_INVALID', `${displayName(path)}${where}: invalid JSON (${message})`, { cause: error });
  }
}

/**
 * Writes a text file atomically: a temp file in the same directory, fsync, then rename, so a reader (or a crash)
 * never sees half a file. `-` writes to stdout. Refuses to replace an existing file unless `force`.
 */
export async function writeTextAtomic(
  io: CliIo,
  path: string,
  text: string,
  options: { force?: boolean } = {},
): Promise<void> {
  if (path === '-') {
    io.stdout.write(text);
    return;
  }
  const target = resolvePath(io, path);
  if (options.force !== true) {
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) throw new CliError('CLI_FILE_EXISTS', `${path}: already exists (pass --force to replace it)`);
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    // `-o reports/run-1/report.json` makes its folder, as the export makes its output directory.
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, text, 'utf8');
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError('CLI_FILE_UNREADABLE', `${path}: cannot write (${reason})`, { cause: error });
  }
}

// Formats people pass for JSONL, with the export source type that reads them.
const OTHER_FORMATS: Readonly<Record<string, { name: string; source: string }>> = {
  '.json': { name: 'a JSON document', source: 'json' },
  '.csv': { name: 'CSV', source: 'csv' },
  '.tsv': { name: 'TSV', source: 'csv' },
  '.parquet': { name: 'Parquet', source: 'parquet' },
};
const PEEK_BYTES = 1 << 20;

/**
 * Refuses (exit 2) a file that is not JSONL, where reading it as JSONL would give one parse error per line: a JSON
 * array (first non-blank character `[` on a line that is not JSON by itself, or in a .json file), or a .json, .csv,
 * .tsv or .parquet file whose first line is not JSON.
 */
export async function assertJsonl(path: string, name: string, command: string): Promise<void> {
  // Only a regular file can be peeked at and then read again from its start: a pipe (`<(zcat data.jsonl.gz)`) is
  // read once, as JSONL.
  if (!(await stat(path)).isFile()) return;
  const handle = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, PEEK_BYTES, 0);
    // Compressed bytes would be read as lines of garbage: a report of "records in no known format".
    const magic = buffer.subarray(0, 4);
    const compression = magic[0] === 0x1f && magic[1] === 0x8b ? 'gzip' : magic.readUInt32LE(0) === 0xfd2fb528 && bytesRead >= 4 ? 'zstd' : undefined;
    if (compression !== undefined) {
      const tool = compression === 'gzip' ? 'gunzip' : 'zstd -d';
      throw new CliError('CLI_USAGE', `${name} is ${compression}-compressed: ${command} reads plain JSONL; decompress it first, e.g. ${tool} -c ${name} | ${command} -`);
    }
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const start = text.search(/\S/);
  if (start === -1) return;
  const end = text.indexOf('\n', start);
  // A first line longer than the peek is undecided: read on as JSONL.
  let firstLineIsJson: boolean | undefined;
  if (end !== -1 || text.length < PEEK_BYTES) {
    try {
      JSON.parse(text.slice(start, end === -1 ? undefined : end));
      firstLineIsJson = true;
    } catch {
      firstLineIsJson = false;
    }
  }
  const ext = extname(path).toLowerCase();
  const other = OTHER_FORMATS[ext];
  const convert = (source: string) =>
    `${command} reads JSONL (one JSON record per line); convert it first, or export it with a source of type ${source}`;
  if (text[start] === '[' && (firstLineIsJson === false || ext === '.json')) {
    throw new CliError('CLI_USAGE', `${name} is a JSON array, not JSONL: ${convert('json')} (jq -c '.[]' ${name} > records.jsonl)`);
  }
  if (other !== undefined && firstLineIsJson === false) {
    throw new CliError('CLI_USAGE', `${name} is ${other.name}, not JSONL (its first line is not JSON): ${convert(other.source)}`);
  }
}
