import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { DEFAULT_NEAR_THRESHOLD, exportsShare, type ExportConfig } from './export-config.js';
import { ExportError } from './errors.js';
import type { ExportStats, RejectEntry } from './export-stats.js';
import { AtomicDir, checkOutputDir, OutputLock, readExportManifest } from './internal/atomic-dir.js';
import { FileWriter, type WrittenFile } from './internal/file-writer.js';
import type { Outcome, Pipeline } from './internal/pipeline.js';
import { estimateRecords, expectedRecords } from './internal/estimate-records.js';
import { pipelineWorkers, transformInParallel, type ParallelStats } from './internal/parallel-jsonl.js';
import { aborted, preparePipeline } from './internal/run-pipeline.js';
import { SplitOutput } from './internal/split-output.js';
import { checkAdapterMetadataConfig, writeArtifacts, type ArtifactResult } from './internal/artifacts.js';
import { createReporter } from './internal/reporter.js';
import { openSource, type Source, type SourceConfig } from './sources/index.js';

/** What {@link ExportOptions.onProgress} receives. */
export interface ExportProgress {
  /** Records read so far. */
  records: number;
  /** Input bytes read so far (output bytes when the source cannot tell). */
  bytes: number;
  /** Records per second since the start. */
  rate: number;
  /** Seconds left, when the input size is known. */
  etaSeconds?: number;
}

/** Options of {@link runExport}. */
export interface ExportOptions {
  /** Directory relative paths (source, output, schema) are resolved against. @default process.cwd() */
  cwd?: string;
  /** Aborts the run: the temp output is removed, a previous output stays. */
  signal?: AbortSignal;
  /** Run every stage and count, but write nothing. @default false */
  dryRun?: boolean;
  /** Called at most every `progressIntervalMs` while records flow, and once at the end. */
  onProgress?: (progress: ExportProgress) => void;
  /** Interval of `onProgress` in ms; values below 50 (including 0) are raised to 50; `Infinity`: the final report only. @default 1000 */
  progressIntervalMs?: number;
  /** The stream a `stdin` source reads. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
  /** Environment (database URLs, the PII hash key). @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** One file written by an export. */
export interface ExportFile {
  /** Absolute path in the final output directory. */
  path: string;
  /** `train`, `validation`, `test`, or `rejects`. */
  split: string;
  bytes: number;
  records: number;
  sha256: string;
}

/** What {@link runExport} returns. */
export interface ExportResult extends Partial<ArtifactResult> {
  stats: ExportStats;
  /** The output directory (absent on a dry run). */
  outputDir?: string;
  /** Data files and rejects.jsonl (empty on a dry run). */
  files: ExportFile[];
  /** Things the user should know that did not stop the export (e.g. metadata skipped for lack of a base model). */
  warnings: string[];
}

const MIN_PROGRESS_MS = 50;
const SPLITS = ['train', 'validation', 'test'] as const;

/**
 * Export records to a training-ready output directory: data files per split, rejects.jsonl, manifest.json,
 * adapter_metadata.json, quality_report.json/.html and trainer configs. The directory is written under a temp name
 * and renamed into place at the end; on failure or abort the temp files are removed and a previous output is kept.
 *
 * @throws ExportError with a code such as `EXPORT_SOURCE_NOT_FOUND`, `EXPORT_MAX_ERRORS`, `EXPORT_ABORTED`.
 * @example
 * ```ts
 * const config = parseExportConfig(YAML.parse(await readFile('lorakit.yaml', 'utf8')), { file: 'lorakit.yaml' });
 * const { stats, files } = await runExport(config, { cwd: process.cwd() });
 * console.log(`${stats.exported} exported, ${stats.rejected} rejected`, files.map((f) => f.path));
 * ```
 */
export async function runExport(input: ExportConfig, options: ExportOptions = {}): Promise<ExportResult> {
  const startedAt = Date.now();
  const config = withSource(input);
  const cwd = options.cwd ?? process.cwd();
  const target = resolve(cwd, config.output.dir);
  checkAdapterMetadataConfig(config);
  // A dry run checks it too: it must not pass where the real run would refuse. It writes nothing, so takes no lock.
  await checkOutputDir(target, { overwrite: config.output.overwrite, inputs: inputPaths(config, cwd), cwds: [cwd, process.cwd()] });
  if (options.dryRun) return exportTo(target, config, options, startedAt, undefined);
  return OutputLock.hold(target, (lock) => exportTo(target, config, options, startedAt, lock));
}

/** A config that names its source, as a run from files needs (exportRecords is handed its records instead). */
type SourcedConfig = ExportConfig & { source: SourceConfig };

function withSource(config: ExportConfig): SourcedConfig {
  if (config.source === undefined) {
    throw new ExportError(
      'EXPORT_CONFIG_INVALID',
      'invalid export config:\n  source: missing: runExport reads records from a source (e.g. { type: "jsonl", path: "records.jsonl" }); to export records you hold, use exportRecords',
    );
  }
  return config as SourcedConfig;
}

async function exportTo(target: string, config: SourcedConfig, options: ExportOptions, startedAt: number, lock: OutputLock | undefined): Promise<ExportResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  // Sizes the report's sample and decides on worker threads; undefined where the input size cannot be told.
  const estimated = await estimateRecords(config.source, cwd);
  const expected = expectedRecords(config, estimated);
  const reporter = config.quality_metrics.enabled ? await createReporter(config, estimated, expected) : undefined;
  let pipeline: Pipeline;
  let source: Source;
  let dir: AtomicDir | undefined;
  try {
    pipeline = await preparePipeline(config, { cwd, env, startedAt, sink: reporter, expectedRecords: expected });
    const sourceOptions: { cwd: string; env: NodeJS.ProcessEnv; stdin?: NodeJS.ReadableStream } = { cwd, env };
    if (options.stdin) sourceOptions.stdin = options.stdin;
    source = await openSource(config.source, sourceOptions);
    try {
      dir = options.dryRun ? undefined : await AtomicDir.create(target, config.output.overwrite);
    } catch (error) {
      await source.close();
      throw error;
    }
  } catch (error) {
    // The metrics worker would keep the process alive.
    await reporter?.destroy();
    throw error;
  }
  const outputs = new Map<string, SplitOutput>();
  let rejects: FileWriter | undefined;
  try {
    if (dir) rejects = await FileWriter.open(resolve(dir.tmp, 'rejects.jsonl'), 'none');
    const parallel: ParallelStats = { blankLines: 0, bytesRead: 0 };
    const workers = pipelineWorkers(config, estimated);
    const bytesRead = workers > 0 ? () => parallel.bytesRead : () => source.stats().bytesRead;
    const progress = createProgress(bytesRead, pipeline.stats, options, startedAt);
    await progress.init(config, cwd);
    const signal = options.signal;
    if (signal?.aborted) throw aborted();
    // For the message of a run that exports nothing.
    let firstReject: RejectEntry | undefined;
    // Writes one outcome; returns a promise only when a writer or the report has to be waited for, so the
    // per-record loop stays synchronous otherwise (no promise per record on the hot path).
    const emit = (outcome: Outcome): Promise<unknown> | undefined => {
      let wait: Promise<void> | undefined;
      if (outcome?.kind === 'reject') firstReject ??= outcome.reject;
      if (outcome !== undefined && dir) {
        if (outcome.kind === 'line') {
          let out = outputs.get(outcome.split);
          if (!out) {
            out = splitOutput(config, dir.tmp, outcome.split);
            outputs.set(outcome.split, out);
          }
          wait = out.add(outcome.line, outcome.id);
        } else {
          wait = (rejects as FileWriter).write(JSON.stringify(outcome.reject));
        }
      }
      progress.tick();
      const behind = reporter?.backpressure();
      return wait && behind ? Promise.all([wait, behind]) : (wait ?? behind);
    };
    if (workers > 0) {
      // Workers transform blocks of lines; admitting (counts, errors, dedup) and writing stay here, in input order.
      const blocks = transformInParallel(config, { cwd, env, startedAt, workers, digests: reporter !== undefined, signal }, parallel);
      for await (const { results, recordAt, fieldsSeen } of blocks) {
        if (signal?.aborted) throw aborted();
        pipeline.noteFieldsSeen(fieldsSeen);
        for (const t of results) {
          const outcome = pipeline.admit(t);
          if (outcome?.kind === 'reject' && t.kind === 'sample' && t.sourceLine !== undefined && config.output.rejects_include_record) {
            // Read again from its line, so redacted here as the one-thread path redacts it (Pipeline.reject).
            const record = recordAt(t.sourceLine);
            if (record !== undefined) outcome.reject.record = pipeline.redactRecord(record);
          }
          const wait = emit(outcome);
          if (wait) await wait;
        }
      }
    } else {
      for await (const item of source.items(signal ? { signal } : {})) {
        if (signal?.aborted) throw aborted();
        const wait = emit(pipeline.handle(item));
        if (wait) await wait;
      }
    }
    if (signal?.aborted) throw aborted();
    const stats = pipeline.stats;
    stats.blankLines = workers > 0 ? parallel.blankLines : source.stats().blankLines;
    progress.done();
    // What the run itself has to say: settings of stages that are off, how the source names its records, fields no
    // record had (the artifacts add theirs).
    const warnings = [...configWarnings(config), ...(source.warnings ?? []), ...pipeline.fieldWarnings()];

    if (!dir) {
      finishStats(stats, startedAt);
      const result: ExportResult = { stats, files: [], warnings };
      if (reporter) Object.assign(result, await reporter.finish(stats));
      return result;
    }

    // A field_mapping typo rejects every record, a broken upstream pipe or an emptied table yields none: such a run
    // must not replace the dataset of an earlier one. A partition may hold no records while the others export, and
    // keeping its old files would feed a merge stale data.
    if (stats.exported === 0 && !exportsShare(config) && ((await readExportManifest(target))?.stats?.exported ?? 0) > 0) {
      throw nothingExported(stats, target, firstReject);
    }

    // The train split exists even when empty, so trainer configs always have a file to point at.
    if (!outputs.has('train')) outputs.set('train', splitOutput(config, dir.tmp, 'train'));
    const written: { split: string; file: WrittenFile }[] = [];
    for (const split of SPLITS) {
      const out = outputs.get(split);
      if (!out) continue;
      for (const file of await out.finish()) written.push({ split, file });
    }
    const rejectsFile = await (rejects as FileWriter).close();
    rejects = undefined;
    finishStats(stats, startedAt);

    const artifacts = await writeArtifacts({
      config,
      dir,
      stats,
      dataFiles: written.map(({ split, file }) => ({ ...file, path: relative(dir.tmp, file.path), split })),
      rejectsFile: { ...rejectsFile, path: relative(dir.tmp, rejectsFile.path), split: 'rejects' },
      reporter,
      source,
      startedAt,
    });
    if (options.signal?.aborted) throw aborted();
    lock?.check();
    await dir.commit();
    const files: ExportFile[] = [
      ...written.map(({ split, file }) => ({ ...file, split, path: resolve(target, relative(dir.tmp, file.path)) })),
      { ...rejectsFile, split: 'rejects', path: resolve(target, 'rejects.jsonl') },
    ];
    return { stats, outputDir: target, files, warnings: [...warnings, ...artifacts.warnings], ...artifacts.result };
  } catch (error) {
    await rejects?.destroy();
    await reporter?.destroy();
    for (const out of outputs.values()) await out.destroy();
    await dir?.discard();
    throw error;
  } finally {
    await source.close();
  }
}

/** EXPORT_NOTHING_EXPORTED: why every record was rejected, and that the earlier output stays. */
function nothingExported(stats: ExportStats, target: string, first: RejectEntry | undefined): ExportError {
  const codes = Object.entries(stats.rejectedByCode).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
  const why =
    first === undefined
      ? 'the source held no records'
      : `${stats.read === 1 ? 'the 1 record' : `all ${stats.read} records`} read ${stats.read === 1 ? 'was' : 'were'} rejected (${codes}); the first, ${first.ref}: ${first.message}`;
  return new ExportError(
    'EXPORT_NOTHING_EXPORTED',
    `no record exported: ${why}. ${target} was left as it was: a run that exports nothing does not replace an earlier export ` +
      `(export to an empty output.dir to get ${first === undefined ? 'an empty dataset' : 'rejects.jsonl'})`,
  );
}

/** Settings that do nothing as given, which the user most likely meant to take effect. */
function configWarnings(config: ExportConfig): string[] {
  const warnings: string[] = [];
  // structured_gen.enabled defaults to false, as in the system lorakit replaces; a schema alone validates nothing.
  if (!config.structured_gen.enabled && config.structured_gen.json_schema !== undefined) {
    warnings.push('structured_gen.json_schema is set but structured_gen.enabled is false: no sample was validated against it; set structured_gen.enabled to true to validate');
  }
  // Settings of a stage that is off: most likely meant to take effect (the defaults are left alone).
  if (!config.dedup.near && config.dedup.near_threshold !== DEFAULT_NEAR_THRESHOLD) {
    warnings.push(`dedup.near_threshold is ${config.dedup.near_threshold} but dedup.near is false: no near duplicate was looked for; set dedup.near to true`);
  }
  const pii = config.pii;
  if (pii.policy === 'off' && (pii.strategy !== 'remove' || pii.types.length > 0 || pii.hash_key !== undefined)) {
    warnings.push('pii.strategy, pii.types or pii.hash_key is set but pii.policy is off: no record was scanned for personal data; set pii.policy to flag, redact or reject');
  }
  if ((pii.policy === 'redact' || pii.policy === 'reject') && pii.phone_regions.length === 0) {
    warnings.push(
      `pii.phone_regions is empty: phone numbers written nationally (030 12345678, 020 7946 0958) were not looked for, only those with +/00, a bracketed area code or the US 3-3-4 form; list the countries of the data (pii.phone_regions: [DE, AT])`,
    );
  }
  if (config.style !== 'custom' && Object.keys(config.format.custom).length > 0) {
    warnings.push(`format.custom is set but style is "${config.style}": it is read only by style "custom"`);
  }
  const partition = config.partition;
  if (partition !== undefined && exportsShare(config) && config.quality_metrics.gates.length > 0) {
    warnings.push(
      `quality_metrics.gates are not judged on partition ${partition.index}/${partition.count}, which holds a share of the dataset: \`lorakit export merge\` (mergePartitions) judges them on the whole`,
    );
  }
  return warnings;
}

/** The files a run reads, which its output directory must not hold. */
function inputPaths(config: SourcedConfig, cwd: string): string[] {
  const paths: string[] = [];
  if ('path' in config.source) paths.push(resolve(cwd, config.source.path));
  const schema = config.structured_gen.json_schema;
  if (config.structured_gen.enabled && typeof schema === 'string') paths.push(resolve(cwd, schema));
  return paths;
}

function splitOutput(config: ExportConfig, dir: string, split: string): SplitOutput {
  const o = config.output;
  return new SplitOutput({
    dir,
    split,
    compression: o.compression,
    maxRecords: o.shard_max_records,
    maxBytes: o.shard_max_bytes,
    shuffle: config.split.shuffle ? { seed: config.split.shuffle_seed, buckets: config.split.shuffle_buckets } : undefined,
  });
}

function finishStats(stats: ExportStats, startedAt: number): void {
  stats.durationMs = Date.now() - startedAt;
  stats.recordsPerSecond = stats.durationMs > 0 ? Math.round((stats.read * 1000) / stats.durationMs) : stats.read;
}

function createProgress(bytesRead: () => number | undefined, stats: ExportStats, options: ExportOptions, startedAt: number) {
  const callback = options.onProgress;
  const requested = options.progressIntervalMs ?? 1000;
  // Infinity asks for the final report only; NaN, 0 and anything below the minimum get the minimum.
  const interval = requested === Infinity ? Infinity : Number.isFinite(requested) && requested >= MIN_PROGRESS_MS ? requested : MIN_PROGRESS_MS;
  let next = startedAt + interval;
  let totalBytes: number | undefined;
  let count = 0;
  const report = () => {
    if (!callback) return;
    const elapsed = Math.max(1, Date.now() - startedAt) / 1000;
    const read = bytesRead();
    const bytes = read ?? stats.bytesWritten;
    const p: ExportProgress = { records: stats.read, bytes, rate: Math.round(stats.read / elapsed) };
    if (totalBytes !== undefined && read !== undefined && read > 0) {
      p.etaSeconds = Math.max(0, Math.round(((totalBytes - read) * elapsed) / read));
    }
    callback(p);
  };
  return {
    async init(config: SourcedConfig, cwd: string) {
      if (!callback || !('path' in config.source) || config.source.type === 'sqlite') return;
      totalBytes = (await stat(resolve(cwd, config.source.path)).catch(() => undefined))?.size;
    },
    tick() {
      // Checking the clock every 64 records keeps the per-record cost at one increment.
      if (!callback || (++count & 63) !== 0) return;
      const now = Date.now();
      if (now < next) return;
      next = now + interval;
      report();
    },
    done: report,
  };
}
