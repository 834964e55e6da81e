import type * as SchemaValidation from '@lorakit/schema-validation';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import { ContextError, resolvePath, type CommandContext } from '../internal/context.js';
import { assertJsonl, assertReadableFile, displayName, readJsonFile, writeTextAtomic } from '../internal/files.js';
import type { Opts } from '../program.js';

type SchemaValidationModule = typeof SchemaValidation;

/**
 * A schema for records already in memory (init's sample). A sample's lengths and few distinct values say nothing of
 * the records after it, so the schema has no length bounds and no enums. Its types, required fields and string
 * formats still come from the sample (a database timestamp column is a `date-time` on every row): a field that is
 * null, missing or fractional only later fails it, a starting point to check with `lorakit validate`.
 */
export function inferFromRecords(sv: SchemaValidationModule, records: readonly unknown[]): Record<string, unknown> {
  const inferrer = sv.createSchemaInferrer({ lengthBounds: false, enumMaxValues: 0 });
  for (const record of records) inferrer.add(record);
  return inferrer.toSchema() as Record<string, unknown>;
}

/**
 * Streams the records of JSONL files into a schema inferrer (one pass, bounded memory). `strict` (schema infer, whose
 * output is the schema alone) warns about the lines it skipped and refuses to describe no records at all.
 */
export async function inferFromFiles(
  sv: SchemaValidationModule,
  files: readonly string[],
  ctx: CommandContext,
  options: { required?: number; strict?: boolean } = {},
): Promise<Record<string, unknown>> {
  const inferrer = sv.createSchemaInferrer(options.required === undefined ? {} : { requiredThreshold: options.required });
  for (const file of files) {
    const source = file === '-' ? ctx.io.stdin : resolvePath(ctx.io, file);
    let skipped = 0;
    let first: SchemaValidation.Issue | undefined;
    try {
      for await (const record of sv.readJsonl(source)) {
        if (record.issues.length === 0) inferrer.add(record.value);
        else {
          skipped += 1;
          first ??= record.issues[0];
        }
      }
    } catch (error) {
      throw new ContextError(displayName(file), error);
    }
    if (options.strict === true && first !== undefined) {
      ctx.out.warn(
        `${displayName(file)}: skipped ${skipped} line${skipped === 1 ? '' : 's'} that could not be read ` +
          `(first: line ${first.line ?? '?'}: ${first.message}); the schema describes the other records`,
      );
    }
  }
  // An empty schema would accept everything: better no schema than one that describes nothing.
  if (options.strict === true && inferrer.count === 0) throw new CliError('CLI_USAGE', `no records to infer a schema from in ${files.map(displayName).join(', ')}`);
  return inferrer.toSchema() as Record<string, unknown>;
}

/** A parsed JSON file that must be a schema: an object or a boolean. */
export function asSchema(file: string, value: unknown): object | boolean {
  if (typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value))) return value;
  throw new CliError('CLI_USAGE', `${displayName(file)}: a JSON Schema is an object or a boolean`);
}

async function write(ctx: CommandContext, opts: Opts, text: string): Promise<void> {
  const target = (opts['output'] as string | undefined) ?? '-';
  await writeTextAtomic(ctx.io, target, text, { force: opts['force'] === true });
  if (target !== '-') ctx.out.info(`wrote ${target}`);
}

/** `lorakit schema infer DATA...`: a draft 2020-12 schema describing the records. */
export async function schemaInferCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const files = args[0] as string[];
  for (const file of files) {
    await assertReadableFile(ctx.io, file);
    if (file !== '-') await assertJsonl(resolvePath(ctx.io, file), displayName(file), 'lorakit schema infer');
  }
  const required = opts['required'] as number | undefined;
  if (required !== undefined && (required < 0 || required > 1)) {
    throw new CliError('CLI_USAGE', `--required must be a share between 0 and 1, got ${required}`);
  }
  const sv = await import('@lorakit/schema-validation');
  const schema = await inferFromFiles(sv, files, ctx, required === undefined ? { strict: true } : { required, strict: true });
  await write(ctx, opts, `${JSON.stringify(schema, null, 2)}\n`);
  return ExitCode.ok;
}

/** `lorakit schema types SCHEMA`: TypeScript declarations for a schema. */
export async function schemaTypesCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const schema = asSchema(file, await readJsonFile(ctx.io, file));
  const sv = await import('@lorakit/schema-validation');
  let ts: string;
  try {
    const name = opts['name'] as string | undefined;
    ts = await sv.toTypeScript(schema, name === undefined ? {} : { name });
  } catch (error) {
    throw new ContextError(displayName(file), error);
  }
  await write(ctx, opts, ts.endsWith('\n') ? ts : `${ts}\n`);
  return ExitCode.ok;
}

/** `lorakit schema check SCHEMA --backend B`: what a constrained-decoding backend ignores or rejects (exit 1 if any). */
export async function schemaCheckCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const schema = asSchema(file, await readJsonFile(ctx.io, file));
  const backends = (opts['backend'] as string[] | undefined) ?? ['outlines', 'xgrammar', 'guidance'];
  const sv = await import('@lorakit/schema-validation');
  const { out } = ctx;
  const reports = backends.map((backend) => {
    try {
      return sv.checkConstrainedDecoding(schema, backend as SchemaValidation.ConstrainedDecodingBackend);
    } catch (error) {
      throw new ContextError(displayName(file), error);
    }
  });
  const findings = reports.reduce((n, r) => n + r.findings.length, 0);
  if (out.format === 'json') out.json({ compatible: findings === 0, backends: reports });
  else {
    for (const r of reports) {
      if (r.findings.length === 0) {
        out.line(`${r.backend}: ${out.colors.green('fully supported')}`);
        continue;
      }
      out.line(`${r.backend}: ${out.colors.yellow(`${r.findings.length} keyword${r.findings.length === 1 ? '' : 's'} not enforced`)}`);
      for (const f of r.findings) out.line(`  ${f.schemaPath} ${f.keyword}: ${f.severity} - ${f.message}`);
    }
  }
  return findings === 0 ? ExitCode.ok : ExitCode.dataFailed;
}
