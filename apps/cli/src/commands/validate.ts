import { existsSync } from 'node:fs';
import type { Issue, Validator } from '@lorakit/schema-validation';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import { ContextError, resolvePath, type CommandContext } from '../internal/context.js';
import { assertJsonl, assertReadableFile, displayName, readJsonFile, writeTextAtomic } from '../internal/files.js';
import { createProgress } from '../internal/progress.js';
import type { Opts } from '../program.js';
import { asSchema, inferFromFiles } from './schema.js';

interface FileSummary {
  file: string;
  records: number;
  valid: number;
  invalid: number;
  blank: number;
  byCode: Record<string, number>;
}

interface PrintedIssue extends Issue {
  file: string;
}

/**
 * `lorakit validate [--schema S | --infer [--schema OUT [--force]]] DATA...`: exit 0 when every record is valid, 1
 * otherwise. With --infer an existing --schema file is replaced only with --force.
 */
export async function validateCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const files = args[0] as string[];
  const schemaPath = opts['schema'] as string | undefined;
  const infer = opts['infer'] === true;
  const maxIssues = opts['maxIssues'] as number;
  const { io, out } = ctx;

  if (schemaPath === undefined && !infer) {
    throw new CliError('CLI_USAGE', 'validate needs --schema FILE, or --infer to infer the schema from the data');
  }
  if (files.filter((f) => f === '-').length > 1) throw new CliError('CLI_USAGE', 'stdin (-) can be read only once');
  if (infer && files.includes('-')) {
    throw new CliError('CLI_USAGE', '--infer reads the data twice and cannot read stdin (-); save it to a file first');
  }
  // Checked before inference, which reads all the data, rather than only when writing the schema after it.
  if (infer && schemaPath !== undefined && files.some((f) => f !== '-' && resolvePath(io, f) === resolvePath(io, schemaPath))) {
    throw new CliError('CLI_USAGE', `${schemaPath}: is one of the data files; --infer --schema names the file the inferred schema is written to`);
  }
  if (infer && schemaPath !== undefined && opts['force'] !== true && existsSync(resolvePath(io, schemaPath))) {
    throw new CliError('CLI_FILE_EXISTS', `${schemaPath}: already exists (pass --force to replace it)`);
  }
  for (const file of files) {
    await assertReadableFile(io, file);
    if (file !== '-') await assertJsonl(resolvePath(io, file), displayName(file), 'lorakit validate');
  }

  const sv = await import('@lorakit/schema-validation');
  let schema: unknown;
  if (infer) {
    schema = await inferFromFiles(sv, files, ctx);
    if (schemaPath !== undefined) {
      await writeTextAtomic(io, schemaPath, `${JSON.stringify(schema, null, 2)}\n`, { force: opts['force'] === true });
      out.info(`inferred schema written to ${schemaPath}`);
    }
  } else {
    schema = await readJsonFile(io, schemaPath as string);
  }
  const checked = asSchema(schemaPath ?? 'inferred schema', schema);
  let validator: Validator;
  try {
    validator = await sv.compileSchema(checked, { formats: 'assert' });
  } catch (error) {
    throw new ContextError(infer ? 'inferred schema' : displayName(schemaPath as string), error);
  }

  const summaries: FileSummary[] = [];
  const shown: PrintedIssue[] = [];
  let hidden = 0;
  const progress = await createProgress(io, out, { label: 'validate' });
  try {
    for (const file of files) {
      const name = displayName(file);
      const source = file === '-' ? io.stdin : resolvePath(io, file);
      const results = sv.validateJsonl(source, validator);
      try {
        for await (const result of results) {
          progress.tick();
          if (result.issues.length === 0) continue;
          for (const issue of result.issues) {
            if (maxIssues !== 0 && shown.length >= maxIssues) {
              hidden += 1;
              continue;
            }
            const printed: PrintedIssue = { ...issue, file: name, line: issue.line ?? result.line };
            shown.push(printed);
            if (out.format === 'text') out.line(formatIssue(printed, out.colors.dim));
          }
        }
      } catch (error) {
        throw new ContextError(name, error);
      }
      const s = results.summary();
      const summary: FileSummary = { file: name, records: s.valid + s.invalid, valid: s.valid, invalid: s.invalid, blank: s.blank, byCode: s.byCode };
      summaries.push(summary);
    }
  } finally {
    progress.done();
  }

  const invalid = summaries.reduce((n, s) => n + s.invalid, 0);
  if (out.format === 'json') {
    out.json({ valid: invalid === 0, files: summaries, issues: shown, issuesNotShown: hidden });
  } else {
    if (hidden > 0) out.line(out.colors.dim(`… ${hidden} more issues not shown (--max-issues ${maxIssues}; 0 shows all)`));
    for (const s of summaries) out.line(formatSummary(s, out.colors));
  }
  return invalid === 0 ? ExitCode.ok : ExitCode.dataFailed;
}

function formatIssue(issue: PrintedIssue, dim: (s: string) => string): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  return `${issue.file}:${issue.line ?? '?'}: ${where}${issue.message}${dim(` [${issue.code}]`)}`;
}

function formatSummary(s: FileSummary, colors: { green: (x: string) => string; red: (x: string) => string }): string {
  const codes = Object.entries(s.byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const blank = s.blank > 0 ? `; ${s.blank} blank line${s.blank === 1 ? '' : 's'} skipped` : '';
  const verdict = s.invalid === 0 ? colors.green('all valid') : colors.red(`${s.invalid} invalid (${codes})`);
  return `${s.file}: ${s.records} records, ${s.valid} valid, ${verdict}${blank}`;
}
