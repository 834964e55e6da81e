import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { writeAdapterMetadata } from '@lorakit/adapter-metadata';
import { accumulatorFromJSON, type GateEvaluation, type QualityAccumulator, type QualityReport } from '@lorakit/quality-metrics';
import type { ExportConfig } from './export-config.js';
import { ExportError } from './errors.js';
import { createExportStats, EXPORT_STAGES, type ExportStats } from './export-stats.js';
import { ACCUMULATOR_FILE, MANIFEST_FILE, MANIFEST_FORMAT, type ExportManifest, type ManifestFile } from './export-manifest.js';
import { buildAdapterMetadata, trainerConfigInput, trainerConfigWarnings } from './internal/artifacts.js';
import { AtomicDir, checkOutputDir, OutputLock } from './internal/atomic-dir.js';
import { sha256Hex } from './internal/hash.js';
import { configSha256 as configHash, settingsJson } from './internal/redact-config.js';
import { Reporter } from './internal/reporter.js';
import { aborted } from './internal/run-pipeline.js';
import { toolVersion } from './internal/tool-version.js';
import { toTrainerConfigs } from './to-trainer-configs.js';

/** What {@link mergePartitions} returns. */
export interface MergePartitionsResult {
  /** The merged manifest (its files point into the partition directories, relative to `outDir`). */
  manifest: ExportManifest;
  /** Summed stats of all partitions. */
  stats: ExportStats;
  /** The merged quality report, when the partitions computed one. */
  report?: QualityReport;
  /**
   * Verdicts of the config's `quality_metrics.gates` on the merged report: each partition judged only its share, and
   * a gate such as `exactDuplicateRate == 0` can fail on the whole (duplicates across partitions) alone.
   */
  gates?: GateEvaluation;
  /** The merged output directory. */
  outputDir: string;
  /** Things the user should know that did not stop the merge (trainer configs that could not be written). */
  warnings: string[];
}

async function readManifest(dir: string): Promise<ExportManifest> {
  const path = join(dir, MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ExportError('EXPORT_MERGE_INVALID', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  const m = json as Partial<ExportManifest>;
  if (m.format !== MANIFEST_FORMAT || !m.stats || !Array.isArray(m.files) || !m.config) {
    throw new ExportError('EXPORT_MERGE_INVALID', `${path} is not a lorakit export manifest (format ${MANIFEST_FORMAT})`);
  }
  return json as ExportManifest;
}

/**
 * Checks that a partition's files are the ones its manifest lists (size and SHA-256, read as a stream): a file
 * appended to, truncated or replaced after the export would make the merged manifest lie.
 */
async function verifyFiles(dir: string, manifest: ExportManifest): Promise<void> {
  const listed = [...manifest.files, ...manifest.artifacts.filter((a) => a.path === ACCUMULATOR_FILE)];
  for (const file of listed) {
    const path = join(dir, file.path);
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        hash.update(chunk);
      }
    } catch (cause) {
      throw new ExportError('EXPORT_MERGE_INVALID', `cannot read ${path}, listed in ${join(dir, MANIFEST_FILE)}: ${(cause as Error).message}`, { cause });
    }
    const sha256 = hash.digest('hex');
    if (bytes !== file.bytes || sha256 !== file.sha256) {
      throw new ExportError(
        'EXPORT_MERGE_INVALID',
        `${path} changed after the export: ${bytes} bytes, sha256 ${sha256}; ${join(dir, MANIFEST_FILE)} lists ${file.bytes} bytes, sha256 ${file.sha256}. Export that partition again`,
      );
    }
  }
}

/**
 * A partition's config as the partitions must share it: its settings hash (configSha256: without the output
 * directory and thread counts, the source file by its base name, as machines mount the input in different places),
 * taken without the partition.
 */
function withoutPartition(config: ExportConfig): string {
  return configHash({ ...config, partition: undefined });
}

/** Up to three dotted paths (`split.seed`) where two partitions' settings differ. */
function differingSettings(a: ExportConfig, b: ExportConfig): string[] {
  const out: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= 3 || JSON.stringify(x) === JSON.stringify(y)) return;
    if (!isObject(x) || !isObject(y)) {
      out.push(path || '(the whole config)');
      return;
    }
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) walk(x[key], y[key], path ? `${path}.${key}` : key);
  };
  const settings = (c: ExportConfig): unknown => JSON.parse(settingsJson({ ...c, partition: undefined }));
  walk(settings(a), settings(b), '');
  return out;
}

/** Records of the input a partition went through: its own, the other partitions' (all read the whole input). */
function inputRecords(stats: ExportStats): number {
  return stats.read + stats.otherPartitions;
}

/** The partitions' freshness reference times, each once (each run defaults to its own start). */
function weightingTimes(manifests: ExportManifest[]): (string | undefined)[] {
  return [...new Set(manifests.map((m) => m.weighting_now))];
}

function addStats(into: ExportStats, s: ExportStats): void {
  into.read += s.read;
  into.exported += s.exported;
  into.rejected += s.rejected;
  into.errors += s.errors;
  into.duplicates += s.duplicates;
  into.invalidKept += s.invalidKept;
  into.piiFound += s.piiFound;
  into.bytesWritten += s.bytesWritten;
  // Partitions read the same input, so blank lines are counted once, not once per partition.
  into.blankLines = Math.max(into.blankLines, s.blankLines);
  into.durationMs = Math.max(into.durationMs, s.durationMs);
  for (const [k, v] of Object.entries(s.exportedBySplit)) into.exportedBySplit[k] = (into.exportedBySplit[k] ?? 0) + v;
  for (const stage of EXPORT_STAGES) {
    const v = s.rejectedByStage[stage];
    if (v !== undefined) into.rejectedByStage[stage] = (into.rejectedByStage[stage] ?? 0) + v;
  }
  for (const [k, v] of Object.entries(s.rejectedByCode)) into.rejectedByCode[k] = (into.rejectedByCode[k] ?? 0) + v;
}

/**
 * Combine the outputs of a partitioned export (`partition: { index, count }` on N machines) into one directory:
 * a manifest listing every partition's files, summed stats, the merged quality report (from each partition's
 * quality accumulator), adapter metadata and trainer configs. Data files stay where they are; the merged manifest
 * and configs point at them by relative path. Near duplicates across partitions are not detected (out of scope).
 *
 * @throws ExportError `EXPORT_MERGE_INVALID` when a manifest is missing, partitions differ in config, an index
 * is missing or repeated, or a listed file's size or SHA-256 differs from its manifest; `EXPORT_ABORTED` when
 * `options.signal` aborts (nothing is written then, a previous output stays).
 * @example
 * ```ts
 * await mergePartitions(['out/part-0', 'out/part-1'], 'out/merged');
 * ```
 */
export async function mergePartitions(dirs: string[], outDir: string, options: { signal?: AbortSignal } = {}): Promise<MergePartitionsResult> {
  if (dirs.length === 0) throw new ExportError('EXPORT_MERGE_INVALID', 'mergePartitions needs at least one directory');
  const target = resolve(outDir);
  await checkOutputDir(target, { overwrite: true, inputs: dirs.map((d) => resolve(d)), cwds: [process.cwd()] });
  return OutputLock.hold(target, (lock) => mergeInto(target, dirs, options.signal, lock));
}

async function mergeInto(target: string, dirs: string[], signal: AbortSignal | undefined, lock: OutputLock): Promise<MergePartitionsResult> {
  const check = () => {
    if (signal?.aborted) throw aborted();
  };
  const manifests: { dir: string; manifest: ExportManifest }[] = [];
  for (const d of dirs) manifests.push({ dir: resolve(d), manifest: await readManifest(resolve(d)) });

  const firstEntry = manifests[0] as { dir: string; manifest: ExportManifest };
  const base = firstEntry.manifest.config;
  const count = base.partition?.count ?? 1;
  const seen = new Set<number>();
  for (const { dir, manifest } of manifests) {
    const p = manifest.config.partition;
    if ((p?.count ?? 1) !== count) {
      throw new ExportError('EXPORT_MERGE_INVALID', `${dir}: partition count ${p?.count ?? 1} differs from ${count}`);
    }
    if (withoutPartition(manifest.config) !== withoutPartition(base)) {
      const keys = differingSettings(manifest.config, base).join(', ');
      throw new ExportError('EXPORT_MERGE_INVALID', `${dir}: exported with a different config than ${firstEntry.dir} (${keys} differ)`);
    }
    // The same settings on another input (or one changed between runs) would merge with records missing unseen.
    const theirs = manifest.stats;
    const first = firstEntry.manifest.stats;
    if (inputRecords(theirs) !== inputRecords(first) || theirs.blankLines !== first.blankLines) {
      throw new ExportError(
        'EXPORT_MERGE_INVALID',
        `${dir}: read an input of ${inputRecords(theirs)} records and ${theirs.blankLines} blank lines, ${firstEntry.dir} one of ` +
          `${inputRecords(first)} and ${first.blankLines}: the partitions read different inputs, or the input changed between runs. Export every partition from the same input`,
      );
    }
    const index = p?.index ?? 0;
    if (seen.has(index)) throw new ExportError('EXPORT_MERGE_INVALID', `${dir}: partition ${index} appears twice`);
    seen.add(index);
  }
  const missing = [...Array(count).keys()].filter((i) => !seen.has(i));
  if (missing.length > 0) {
    const which = missing.length === 1 ? `partition ${missing[0]} of ${count} is` : `partitions ${missing.join(', ')} of ${count} are`;
    throw new ExportError('EXPORT_MERGE_INVALID', `${which} missing`);
  }
  for (const { dir, manifest } of manifests) {
    check();
    await verifyFiles(dir, manifest);
  }

  const stats = createExportStats();
  const files: ManifestFile[] = [];
  let accumulator: QualityAccumulator | undefined;
  for (const { dir, manifest } of manifests) {
    addStats(stats, manifest.stats);
    for (const f of manifest.files) files.push({ ...f, path: relative(target, join(dir, f.path)) });
    const accPath = join(dir, ACCUMULATOR_FILE);
    check();
    const accText = await readFile(accPath, 'utf8').catch(() => undefined);
    if (accText !== undefined) {
      const acc = accumulatorFromJSON(JSON.parse(accText));
      if (accumulator) accumulator.merge(acc);
      else accumulator = acc;
    }
  }
  stats.recordsPerSecond = stats.durationMs > 0 ? Math.round((stats.read * 1000) / stats.durationMs) : stats.read;

  const config: ExportConfig = { ...base, output: { ...base.output, dir: target } };
  delete config.partition;
  const dir = await AtomicDir.create(target, true);
  try {
    const artifacts: ExportManifest['artifacts'] = [];
    const add = async (name: string, content: string) => {
      await dir.writeFile(name, content);
      artifacts.push({ path: name, bytes: Buffer.byteLength(content), sha256: sha256Hex(content) });
    };
    let report: MergePartitionsResult['report'];
    let gates: GateEvaluation | undefined;
    if (accumulator) {
      const reporter = new Reporter(config, accumulator);
      const { stateFile, ...result } = await reporter.finish(stats, join(dir.tmp, ACCUMULATOR_FILE));
      report = result.report;
      gates = result.gates;
      await add('quality_report.json', `${JSON.stringify(result.report, null, 2)}\n`);
      const html = reporter.html(result);
      if (html !== undefined && config.quality_metrics.html) await add('quality_report.html', html);
      if (stateFile) artifacts.push({ path: ACCUMULATOR_FILE, ...stateFile });
    }
    const configSha256 = configHash(config);
    const dataFiles = files.filter((f) => f.split !== 'rejects');
    const metaInput = buildAdapterMetadata(config, stats, dataFiles, configSha256, firstEntry.manifest.source);
    if (metaInput) {
      const meta = await writeAdapterMetadata(join(dir.tmp, 'adapter_metadata.json'), metaInput);
      const text = `${JSON.stringify(meta, null, 2)}\n`;
      artifacts.push({ path: 'adapter_metadata.json', bytes: Buffer.byteLength(text), sha256: sha256Hex(text) });
    }
    const warnings: string[] = [];
    // Each partition dedups its own share only: the merged report is the first place a duplicate across partitions shows.
    const across = report?.exactDuplicates.duplicates ?? 0;
    if (across > 0 && config.dedup.exact) {
      warnings.push(
        `the merged data holds ${across} exact ${across === 1 ? 'duplicate' : 'duplicates'} across partitions (each partition dedups only its own records; the quality report lists the lines): set split.id_field to a content-derived id, or dedup the merged files`,
      );
    }
    const times = weightingTimes(manifests.map((m) => m.manifest));
    if (times.length > 1) {
      warnings.push(
        `the partitions weighed freshness from different times (${times.map((t) => t ?? 'none').sort().join(', ')}): their weights are not comparable, and the merged manifest has no weighting_now; set weighting.now for partitioned runs`,
      );
    }
    if (config.output.trainer_configs) {
      warnings.push(...trainerConfigWarnings(config));
      const trainer = toTrainerConfigs(trainerConfigInput(config, dataFiles));
      if (trainer['dataset_info.json'] !== undefined) await add('dataset_info.json', trainer['dataset_info.json']);
      if (trainer['axolotl.yaml'] !== undefined) await add('axolotl.yaml', trainer['axolotl.yaml']);
      await add('README.md', trainer['README.md']);
    }
    const manifest: ExportManifest = {
      format: MANIFEST_FORMAT,
      tool: { name: '@lorakit/jsonl-exporter', version: toolVersion() },
      created_at: new Date().toISOString(),
      source: firstEntry.manifest.source,
      partition: null,
      // Only when every partition had the same: the merged data then has one reference time.
      ...(times.length === 1 && times[0] !== undefined ? { weighting_now: times[0] } : {}),
      config_sha256: configSha256,
      files,
      artifacts,
      stats,
      config,
    };
    await dir.writeFile(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
    check();
    lock.check();
    await dir.commit();
    const result: MergePartitionsResult = { manifest, stats, outputDir: target, warnings };
    if (report) result.report = report;
    if (gates) result.gates = gates;
    return result;
  } catch (error) {
    await dir.discard();
    throw error;
  }
}
