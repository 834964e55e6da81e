import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative } from 'node:path';
import { CliError } from '../errors.js';
import { ExitCode, errorCode } from '../exit-code.js';
import type { ConfigFlag } from '../internal/config-flags.js';
import { applyFlags } from '../internal/config-flags.js';
import { resolvePath, type CommandContext } from '../internal/context.js';
import { createProgress } from '../internal/progress.js';
import { readYamlConfig, type YamlConfig } from '../internal/yaml-config.js';
import type { Opts } from '../program.js';

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
  expected?: string;
}

/** `--partition i/N` → `{ index, count }` (0-based index). */
export function parsePartition(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index >= count) {
    throw new CliError('CLI_USAGE', `--partition expects i/N with 0 <= i < N (e.g. 0/4), got "${spec}"`);
  }
  return { index, count };
}

/** Source config keys by source type, from the exporter's schema. */
type SourceKeys = ReadonlyMap<string, ReadonlySet<string>>;

function sourceKeysOf(schema: { options: readonly { shape: Record<string, unknown> }[] }): SourceKeys {
  const keys = new Map<string, ReadonlySet<string>>();
  for (const option of schema.options) {
    const type = (option.shape['type'] as { value?: unknown }).value;
    if (typeof type === 'string') keys.set(type, new Set(Object.keys(option.shape)));
  }
  return keys;
}

/**
 * What is wrong with an unknown key: a key of another source type (`delimiter` on a jsonl source) is not a spelling
 * mistake, and saying which types have it tells the user what to change.
 */
function unknownKeyMessage(path: readonly PropertyKey[], type: unknown, sourceKeys: SourceKeys): string {
  const key = String(path[path.length - 1]);
  if (path.length === 2 && path[0] === 'source' && typeof type === 'string') {
    const others = [...sourceKeys].filter(([, keys]) => keys.has(key)).map(([t]) => t);
    if (others.length > 0) return `not a key of source type "${type}" (it is one of ${others.join(', ')})`;
  }
  return 'unknown key (check the spelling)';
}

/** Where a config key was set: the flag that set it (or a flag into its section), or the line of its YAML entry. */
interface Place {
  flag?: string;
  line?: number;
}

function placeOf(path: readonly PropertyKey[], yaml: YamlConfig | undefined, fromFlags: ReadonlySet<string>): Place {
  const dotted = path.map(String).join('.');
  // The flag that set this key or the list it is an item of (`pii.types.1`).
  const flag = [...fromFlags].find((f) => dotted === f || dotted.startsWith(`${f}.`));
  if (flag !== undefined) return { flag };
  const line = yaml?.lineOf(path.map((p) => (typeof p === 'number' ? p : String(p))));
  if (line !== undefined) return { line };
  // A rule across keys of a section (min_weight <= max_weight, validation + test < 1), reported on a key the file
  // does not hold: a flag into that section set the other.
  const section = dotted.split('.').slice(0, -1).join('.');
  const sibling = section !== '' ? [...fromFlags].find((f) => f.startsWith(`${section}.`)) : undefined;
  return sibling === undefined ? {} : { flag: sibling };
}

/**
 * Why a boolean key holds text: YAML 1.2 reads `yes`, `no`, `on` and `off` as strings (YAML 1.1 read booleans),
 * and a quoted `"true"` is a string in any version.
 */
function booleanHint(issue: ZodIssueLike, path: readonly PropertyKey[], yaml: YamlConfig | undefined): string {
  if (issue.code !== 'invalid_type' || issue.expected !== 'boolean' || yaml === undefined) return '';
  let value: unknown = yaml.value;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  if (typeof value !== 'string') return '';
  if (/^(?:true|false)$/i.test(value.trim())) return ` ("${value}" in quotes is text: write true or false without quotes)`;
  if (/^(?:y|yes|n|no|on|off)$/i.test(value.trim())) return ` (YAML 1.2 reads ${value} as text, not as a boolean: write true or false)`;
  return '';
}

const flagName = (key: string): string => `--${key.replaceAll('_', '-')}`;

/**
 * Points a config error at the YAML line of each bad key, or the flag that set it: EXPORT_CONFIG_INVALID re-worded
 * from zod's issues, and an error of the export about one key (ExportError.key: a schema file that cannot be read,
 * a PII key too short) prefixed with its place. Other errors are returned as they are.
 */
function configError(
  error: unknown,
  yaml: YamlConfig | undefined,
  fromFlags: ReadonlySet<string>,
  sourceType: unknown,
  sourceKeys: SourceKeys,
): unknown {
  const key = (error as { key?: unknown }).key;
  if (typeof key === 'string') {
    const place = placeOf(key.split('.'), yaml, fromFlags);
    const where = place.flag !== undefined ? flagName(place.flag) : place.line !== undefined && yaml !== undefined ? `${yaml.file}:${place.line}` : undefined;
    if (where === undefined) return error;
    return Object.assign(new Error(`${where}: ${(error as Error).message}`, { cause: error }), { code: errorCode(error) });
  }
  if (errorCode(error) !== 'EXPORT_CONFIG_INVALID') return error;
  const issues = ((error as { cause?: { issues?: unknown } }).cause?.issues ?? []) as ZodIssueLike[];
  if (!Array.isArray(issues) || issues.length === 0) return error;
  // One line per key: zod may report several problems with the same value (a range and a cross-field rule).
  const byKey = new Map<string, string[]>();
  /** Line of each entry in the file (flags first): the list reads top to bottom, as the file does. */
  const order = new Map<string, number>();
  for (const issue of issues) {
    const keys = issue.code === 'unrecognized_keys' && issue.keys ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const dotted = path.map(String).join('.') || '(root)';
      const message =
        issue.code === 'unrecognized_keys' ? unknownKeyMessage(path, sourceType, sourceKeys) : issue.message + booleanHint(issue, path, yaml);
      const { flag, line } = placeOf(path, yaml, fromFlags);
      const where =
        flag !== undefined
          ? `${flagName(flag)}${flag === dotted ? '' : ` (${dotted})`}`
          : `${yaml === undefined ? '' : `${yaml.file}${line === undefined ? '' : `:${line}`}: `}${dotted}`;
      byKey.set(where, [...(byKey.get(where) ?? []), message]);
      if (!order.has(where)) order.set(where, line ?? 0);
    }
  }
  // A stable sort: keys on one line, and keys without one, keep zod's order.
  const sorted = [...byKey].sort(([a], [b]) => (order.get(a) as number) - (order.get(b) as number));
  const lines = sorted.map(([where, messages]) => `${where}: ${messages.join('; ')}`);
  const message = lines.length === 1 ? (lines[0] as string) : `invalid export config:\n  ${lines.join('\n  ')}`;
  return Object.assign(new Error(message, { cause: error }), { code: 'EXPORT_CONFIG_INVALID' });
}

/** Config keys holding a file or folder path. */
const PATH_KEYS: ReadonlySet<string> = new Set(['source.path', 'output.dir', 'structured_gen.json_schema']);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `-` reads stdin, as in every command: a file source whose path is `-` becomes a stdin source of its format, when
 * its keys are all keys of its type (a stdin source has those of every format, and would take `delimiter` from a
 * jsonl source silently; left as it is, the source fails as a jsonl source with a file would).
 */
function stdinForDash(raw: Record<string, unknown>, sourceKeys: SourceKeys): void {
  const source = raw['source'];
  if (typeof source !== 'object' || source === null) return;
  const { path, type, ...rest } = source as Record<string, unknown>;
  const fileType = type === 'jsonl' || type === 'json' || type === 'csv';
  if (path === '-' && fileType && Object.keys(source).every((key) => sourceKeys.get(type)?.has(key))) raw['source'] = { ...rest, type: 'stdin', format: type };
  // `--source.type stdin --source.path -` says stdin twice.
  else if (path === '-' && type === 'stdin') raw['source'] = { ...rest, type };
}

/** `lorakit export`: runs the export pipeline from lorakit.yaml and flags; prints the funnel and the outputs. */
export async function exportCommand(_args: unknown[], opts: Opts, ctx: CommandContext, flags: readonly ConfigFlag[]): Promise<number> {
  const { io, out } = ctx;
  const explicit = opts['config'] as string | undefined;
  const file = explicit ?? 'lorakit.yaml';
  const yaml = explicit !== undefined || existsSync(resolvePath(io, file)) ? await readYamlConfig(io, file) : undefined;
  const raw = structuredClone(yaml?.value ?? {});
  const fromFlags = new Set<string>();
  applyFlags(raw, flags, (flag) => {
    const value = opts[flagKey(flag.name)];
    if (value === undefined) return value;
    const key = flag.path.join('.');
    fromFlags.add(key);
    // The export resolves paths against the config file's folder; a path typed on the command line means the
    // current directory, as in every other command. Made relative to that folder, not absolute, so that refs in
    // rejects.jsonl and the manifest name the file as briefly as the config's own paths do.
    if (yaml === undefined || !PATH_KEYS.has(key) || typeof value !== 'string' || value === '-' || isAbsolute(value)) return value;
    return relative(dirname(resolvePath(io, yaml.file)), resolvePath(io, value)) || '.';
  });
  // The library's schema leaves the source out for exportRecords, which is handed its records; a run needs one.
  if (raw['source'] === undefined || raw['source'] === null) {
    throw new CliError(
      'CLI_USAGE',
      yaml === undefined
        ? `no ${file} in ${io.cwd}: pass --config FILE, or the source as flags (--source.type jsonl --source.path data.jsonl), or write one with lorakit init DATA`
        : `${yaml.file}: source: missing: where the records come from, e.g. "source: { type: jsonl, path: data.jsonl }", or the flags --source.type and --source.path`,
    );
  }
  if (typeof opts['partition'] === 'string') {
    raw['partition'] = parsePartition(opts['partition']);
    fromFlags.add('partition');
  }

  const ex = await import('@lorakit/jsonl-exporter');
  const sourceKeys = sourceKeysOf(ex.SourceConfigSchema);
  // The type as written, for messages: `type: jsonl` with `path: -` becomes a stdin source.
  const sourceType = (raw['source'] as { type?: unknown } | undefined)?.type;
  stdinForDash(raw, sourceKeys);
  let config: ReturnType<typeof ex.parseExportConfig>;
  try {
    config = ex.parseExportConfig(raw, yaml === undefined ? {} : { file: yaml.file });
  } catch (error) {
    throw configError(error, yaml, fromFlags, sourceType, sourceKeys);
  }

  const dryRun = opts['dryRun'] === true;
  const progress = await createProgress(io, out, { label: dryRun ? 'export (dry run)' : 'export' });
  let result: Awaited<ReturnType<typeof ex.runExport>>;
  try {
    result = await ex.runExport(config, {
      cwd: yaml?.dir ?? io.cwd,
      signal: ctx.signal,
      dryRun,
      env: io.env as NodeJS.ProcessEnv,
      stdin: io.stdin,
      progressIntervalMs: 200,
      onProgress: (p) => progress.update(p.records, p.etaSeconds),
    });
  } catch (error) {
    // Settings refused once the export starts (a schema file, a PII key, adapter metadata), pointed at like the rest.
    throw configError(error, yaml, fromFlags, sourceType, sourceKeys);
  } finally {
    progress.done();
  }

  const { stats, gates } = result;
  const gatesFailed = gates !== undefined && !gates.passed;
  if (out.format === 'json') {
    out.json({ ...result, dryRun });
  } else {
    const c = out.colors;
    const splits = Object.entries(stats.exportedBySplit).map(([split, n]) => `${split} ${n}`).join(', ');
    out.line(`${dryRun ? 'dry run: ' : ''}read ${stats.read} records, exported ${c.green(String(stats.exported))}${splits ? ` (${splits})` : ''}, rejected ${stats.rejected}`);
    const byStage = Object.entries(stats.rejectedByStage).map(([stage, n]) => `${stage} ${n}`).join(', ');
    if (byStage) out.line(`  rejected by stage: ${byStage}`);
    const byCode = Object.entries(stats.rejectedByCode).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
    if (byCode) out.line(`  rejected by code:  ${byCode}`);
    out.line(`  duplicates removed: ${stats.duplicates}; samples with PII: ${stats.piiFound}${stats.blankLines ? `; blank lines skipped: ${stats.blankLines}` : ''}`);
    printGates(out, gates);
    out.line(`  ${stats.recordsPerSecond} records/s in ${(stats.durationMs / 1000).toFixed(1)} s`);
    if (result.outputDir !== undefined) {
      out.line(`output: ${result.outputDir}`);
      for (const f of result.files) out.line(`  ${f.path} (${plural(f.records, 'record')})`);
      const shown = new Set(result.files.map((f) => basename(f.path)));
      const others = (await readdir(result.outputDir)).filter((name) => !shown.has(name)).sort();
      if (others.length > 0) out.line(`  and ${others.join(', ')}`);
    }
  }
  for (const w of result.warnings) out.warn(w);
  // Every record rejected is a failed export, whatever the files say: a script must not take it for a dataset.
  const nothingExported = stats.read > 0 && stats.exported === 0;
  if (nothingExported) {
    const where = dryRun ? 'by stage and code above' : 'in rejects.jsonl of the output';
    out.warn(`${dryRun ? 'would export' : 'exported'} no record: all ${plural(stats.read, 'record')} read were rejected (reasons ${where})`);
  } else if (stats.read === 0) {
    const p = config.partition;
    out.warn(
      p && stats.otherPartitions > 0
        ? `partition ${p.index}/${p.count} holds no records (all ${stats.otherPartitions} belong to other partitions): nothing to export`
        : 'the source held no records: nothing to export',
    );
  }
  return gatesFailed || nothingExported ? ExitCode.dataFailed : ExitCode.ok;
}

/** `lorakit export merge DIR... -o OUT`: one output directory over the runs of a partitioned export. */
export async function exportMergeCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const { io, out } = ctx;
  const dirs = (args[0] as string[]).map((dir) => resolvePath(io, dir));
  const ex = await import('@lorakit/jsonl-exporter');
  const result = await ex.mergePartitions(dirs, resolvePath(io, opts['output'] as string), { signal: ctx.signal });
  // The config's gates, judged on the merged report: each partition saw only its share.
  const gatesFailed = result.gates !== undefined && !result.gates.passed;
  if (out.format === 'json') {
    out.json(result);
    return gatesFailed ? ExitCode.dataFailed : ExitCode.ok;
  }
  const { stats } = result;
  const splits = Object.entries(stats.exportedBySplit).map(([split, n]) => `${split} ${n}`).join(', ');
  out.line(`merged ${plural(dirs.length, 'partition')}: read ${stats.read} records, exported ${out.colors.green(String(stats.exported))}${splits ? ` (${splits})` : ''}, rejected ${stats.rejected}`);
  printGates(out, result.gates);
  out.line(`output: ${result.outputDir}`);
  for (const f of result.manifest.files) out.line(`  ${f.path} (${plural(f.records, 'record')})`);
  out.line(`  and ${[...result.manifest.artifacts.map((a) => a.path), 'manifest.json'].sort().join(', ')}`);
  for (const w of result.warnings) out.warn(w);
  return gatesFailed ? ExitCode.dataFailed : ExitCode.ok;
}

/** The gate verdicts of an export or a merge, under its summary line. */
function printGates(out: CommandContext['out'], gates: { passed: boolean; failed: Array<{ gate: string; actual: number | null }> } | undefined): void {
  if (gates === undefined) return;
  const c = out.colors;
  out.line(`  gates: ${gates.passed ? c.green('passed') : c.red('FAILED')}`);
  for (const g of gates.failed) out.line(`    ${c.red('✗')} ${g.gate} (actual ${g.actual === null ? 'not measured' : String(g.actual)})`);
}

/** Commander's attribute name for a flag: dashes camel-cased, dots kept. */
export function flagKey(name: string): string {
  return name.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}
