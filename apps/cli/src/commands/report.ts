import type * as QualityMetrics from '@lorakit/quality-metrics';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import { ContextError, resolvePath, type CommandContext } from '../internal/context.js';
import { assertJsonl, assertReadableFile, displayName, readJsonFile, writeTextAtomic } from '../internal/files.js';
import { createProgress } from '../internal/progress.js';
import type { Opts } from '../program.js';
import { asSchema } from './schema.js';

type QualityMetricsModule = typeof QualityMetrics;
type Report = QualityMetrics.QualityReport;

/**
 * Before any data is read: at most one document may go to stdout (`-`), and a malformed `--gate` or an unknown metric
 * fails.
 */
function checkOptions(qm: QualityMetricsModule, opts: Opts, stdoutOutputs: unknown[]): void {
  if (stdoutOutputs.filter((o) => o === '-').length > 1) {
    throw new CliError('CLI_USAGE', 'only one of -o, --json-file and --html can be - (stdout holds one document)');
  }
  qm.checkGates((opts['gate'] as string[] | undefined) ?? []);
}

/**
 * Writes the report where asked (`--json-file F`, `--html F`; `-` is stdout, which then carries nothing else), prints
 * it, evaluates `--gate`s: exit 1 when one fails. `stdoutTaken`: the caller already wrote the report to stdout.
 */
async function finish(qm: QualityMetricsModule, report: Report, opts: Opts, ctx: CommandContext, stdoutTaken = false): Promise<number> {
  const { io, out } = ctx;
  const gates = (opts['gate'] as string[] | undefined) ?? [];
  const evaluation = gates.length > 0 ? qm.evaluateGates(report, gates) : undefined;
  const jsonFile = opts['jsonFile'] as string | undefined;
  const htmlFile = opts['html'] as string | undefined;
  const force = { force: true };
  if (jsonFile !== undefined) await writeTextAtomic(io, jsonFile, `${JSON.stringify(report, null, 2)}\n`, force);
  if (htmlFile !== undefined) await writeTextAtomic(io, htmlFile, qm.renderHtml(report, evaluation === undefined ? {} : { gates: evaluation }), force);
  if (stdoutTaken || jsonFile === '-' || htmlFile === '-') {
    // stdout holds one document; the verdict goes to stderr below.
  } else if (out.format === 'json') out.json(evaluation === undefined ? { report } : { report, gates: evaluation });
  else ctx.io.stdout.write(qm.renderText(report, evaluation));
  for (const file of [jsonFile, htmlFile]) if (file !== undefined && file !== '-') out.info(`wrote ${file}`);
  if (evaluation !== undefined && !evaluation.passed) {
    for (const g of evaluation.failed) {
      out.info(`${out.colors.red('gate failed:')} ${g.gate} (actual ${g.actual === null ? 'not measured' : String(g.actual)})`);
    }
    return ExitCode.dataFailed;
  }
  return ExitCode.ok;
}

/** `lorakit report DATA...`: the quality report of JSONL files; `--gate` makes the exit code 1 when one fails. */
export async function reportCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const files = args[0] as string[];
  const { io, out } = ctx;
  if (files.filter((f) => f === '-').length > 1) throw new CliError('CLI_USAGE', 'stdin (-) can be read only once');
  for (const file of files) {
    await assertReadableFile(io, file);
    if (file !== '-') await assertJsonl(resolvePath(io, file), displayName(file), 'lorakit report');
  }
  const [qm, sv] = await Promise.all([import('@lorakit/quality-metrics'), import('@lorakit/schema-validation')]);
  checkOptions(qm, opts, [opts['jsonFile'], opts['html']]);

  const schemaFile = opts['schema'] as string | undefined;
  const validator =
    schemaFile === undefined
      ? undefined
      : await sv.compileSchema(asSchema(schemaFile, await readJsonFile(io, schemaFile)), { formats: 'assert' }).catch((error: unknown) => {
          throw new ContextError(displayName(schemaFile), error);
        });
  const tokenizerDir = opts['tokenizer'] as string | undefined;
  if (opts['maxSeqLen'] !== undefined && tokenizerDir === undefined) {
    throw new CliError('CLI_USAGE', '--max-seq-len counts tokens: it needs --tokenizer DIR (a folder with tokenizer.json)');
  }
  const tokenizer = tokenizerDir === undefined ? undefined : await qm.loadTokenizer(resolvePath(io, tokenizerDir));
  const maxSeqLen = opts['maxSeqLen'] as number | undefined;
  const languages = opts['languages'] as string[] | undefined;
  const options: QualityMetrics.QualityAccumulatorOptions = { nearDup: opts['nearDup'] === true ? {} : false };
  if (tokenizer !== undefined) options.tokenizer = tokenizer;
  if (maxSeqLen !== undefined) options.maxSeqLen = maxSeqLen;
  if (languages !== undefined) options.expectedLanguages = languages;
  const regions = opts['phoneRegions'] as string[] | undefined;
  if (regions !== undefined) {
    try {
      options.phoneRegions = qm.phoneRegions(regions);
    } catch (error) {
      throw new CliError('CLI_USAGE', `--phone-regions: ${(error as Error).message}`);
    }
  }
  const accumulator = qm.createQualityAccumulator(options);

  const progress = await createProgress(io, out, { label: 'report' });
  // Lines are numbered on across the files, so a line the report names points at one place.
  const ranges: string[] = [];
  let offset = 0;
  try {
    for (const file of files) {
      const source = file === '-' ? io.stdin : resolvePath(io, file);
      const options = { firstLine: offset + 1 };
      const records = validator === undefined ? sv.readJsonl(source, options) : sv.validateJsonl(source, validator, options);
      try {
        for await (const record of records) {
          progress.tick();
          accumulator.add(record.value, { line: record.line, issues: record.issues });
        }
      } catch (error) {
        throw new ContextError(displayName(file), error);
      }
      const last = Math.max(offset, records.summary().lines);
      ranges.push(`${displayName(file)} ${offset + 1}-${last}`);
      offset = last;
    }
  } finally {
    progress.done();
  }
  if (files.length > 1) out.info(`lines are numbered across the files: ${ranges.join(', ')}`);
  const state = opts['state'] as string | undefined;
  if (state !== undefined) await writeTextAtomic(io, state, `${JSON.stringify(accumulator.toJSON())}\n`, { force: true });
  return finish(qm, accumulator.report(), opts, ctx);
}

/** `lorakit report merge A.json B.json ... -o merged.json`: one report from partition accumulator states. */
export async function reportMergeCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const files = args[0] as string[];
  if (files.length < 1) throw new CliError('CLI_USAGE', 'report merge needs at least one accumulator state file');
  const qm = await import('@lorakit/quality-metrics');
  checkOptions(qm, opts, [opts['output'], opts['jsonFile'], opts['html']]);
  const tokenizerDir = opts['tokenizer'] as string | undefined;
  const tokenizer = tokenizerDir === undefined ? undefined : await qm.loadTokenizer(resolvePath(ctx.io, tokenizerDir));
  let merged: QualityMetrics.QualityAccumulator | undefined;
  for (const file of files) {
    const state = await readJsonFile(ctx.io, file);
    let accumulator: QualityMetrics.QualityAccumulator;
    try {
      accumulator = qm.accumulatorFromJSON(state, tokenizer === undefined ? {} : { tokenizer });
      if (merged === undefined) merged = accumulator;
      else merged.merge(accumulator);
    } catch (error) {
      // The library's words name its API; here the way to pass the tokenizer is the flag.
      const measuredWith = /computed with tokenizer (\S+); pass it/.exec((error as Error).message)?.[1];
      if (tokenizer === undefined && measuredWith !== undefined) {
        throw new CliError('CLI_USAGE', `${displayName(file)}: measured with a tokenizer (${measuredWith}): pass --tokenizer DIR, the folder of its tokenizer.json`);
      }
      throw new ContextError(displayName(file), error);
    }
  }
  const report = (merged as QualityMetrics.QualityAccumulator).report();
  const output = opts['output'] as string | undefined;
  if (output !== undefined) {
    await writeTextAtomic(ctx.io, output, `${JSON.stringify(report, null, 2)}\n`, { force: opts['force'] === true });
    if (output !== '-') ctx.out.info(`wrote ${output}`);
  }
  // Gates and --html apply with -o - too: only the printed summary gives way to the JSON on stdout.
  return finish(qm, report, opts, ctx, output === '-');
}
