import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AdapterMetadataSchema, TaskSchema, writeAdapterMetadata, type AdapterMetadata, type AdapterMetadataInput } from '@lorakit/adapter-metadata';
import { ExportError } from '../errors.js';
import type { ExportConfig } from '../export-config.js';
import type { ExportStats } from '../export-stats.js';
import { toTrainerConfigs, type TrainerConfigInput } from '../to-trainer-configs.js';
import type { Source } from '../sources/index.js';
import type { AtomicDir } from './atomic-dir.js';
import { sha256Hex } from './hash.js';
import { configSha256 as configHash, redactConfig } from './redact-config.js';
import type { Reporter, ReportResult } from './reporter.js';
import { toolVersion } from './tool-version.js';
import { writesSystemKey } from './mapper.js';
import {
  ACCUMULATOR_FILE,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type ExportManifest,
  type ManifestFile,
} from '../export-manifest.js';

/** Extra results of writing the artifacts. */
export interface ArtifactResult extends ReportResult {
  /** The content of manifest.json. */
  manifest: ExportManifest;
  /** adapter_metadata.json as written (absent without adapter_metadata.base_model). */
  metadata?: AdapterMetadata;
}

const STYLE_TASK: Record<ExportConfig['style'], string> = {
  instruction: 'instruction-following',
  chat: 'instruction-following',
  sharegpt: 'instruction-following',
  openai: 'instruction-following',
  completion: 'completion',
  text: 'text-generation',
  custom: 'custom',
};

/** A slug adapter-metadata accepts: lowercase letters, digits, `.`, `_`, `-`. */
function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 128);
  return slug || 'dataset';
}

// The LoRA hyper-parameters adapter_metadata.json holds (the metadata model's defaults when not given).
const LORA_KEYS = ['lora_rank', 'lora_alpha', 'lora_dropout'] as const;

/** Whether weights have a freshness factor, which depends on the reference time. */
function freshnessWeighted(config: ExportConfig): boolean {
  const w = config.weighting;
  return w.enabled && w.mode === 'full' && w.timestamp_field !== undefined;
}

/** Build the adapter metadata of an export. */
export function buildAdapterMetadata(
  config: ExportConfig,
  stats: ExportStats,
  files: ManifestFile[],
  configSha256: string,
  sourceDescription: string,
): AdapterMetadataInput | undefined {
  const m = config.adapter_metadata;
  if (!m.enabled || m.base_model === undefined) return undefined;
  const task: Record<string, unknown> = { type: m.task_type ?? STYLE_TASK[config.style] };
  if (m.domain !== undefined) task['domain'] = m.domain;
  if (m.keywords.length > 0) task['keywords'] = m.keywords;
  if (m.language.length > 0) task['language'] = m.language.length === 1 ? m.language[0] : m.language;
  const provenance: Record<string, unknown> = {
    data_source_uri: sourceDescription,
    datasets: files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes, records: f.records, split: f.split })),
    tool: { name: 'lorakit', version: toolVersion() },
    export_config_sha256: configSha256,
  };
  if (m.created_by !== undefined) provenance['created_by'] = m.created_by;
  const meta: Record<string, unknown> = {
    adapter_id: slugify(m.adapter_id ?? config.output.dataset_name),
    adapter_version: m.adapter_version,
    exported_at: new Date().toISOString(),
    base_model: { name: m.base_model },
    task,
    training: {
      dataset_name: config.output.dataset_name,
      num_samples: stats.exportedBySplit['train'] ?? 0,
      ...Object.fromEntries(LORA_KEYS.filter((key) => m[key] !== undefined).map((key) => [key, m[key]])),
    },
    provenance,
  };
  if (m.description !== undefined) meta['description'] = m.description;
  if (m.license !== undefined) meta['license'] = m.license;
  return meta as AdapterMetadataInput;
}

/** Everything {@link writeArtifacts} needs. */
export interface ArtifactInput {
  config: ExportConfig;
  dir: AtomicDir;
  stats: ExportStats;
  dataFiles: ManifestFile[];
  rejectsFile: ManifestFile;
  reporter: Reporter | undefined;
  source: Source;
  /** Start of the run (ms since the epoch): the freshness reference time when `weighting.now` is unset. */
  startedAt: number;
}

/** The trainer configs an export with trainer_configs on cannot write, and why. */
export function trainerConfigWarnings(config: ExportConfig): string[] {
  if (config.style === 'custom') return ['style "custom": dataset_info.json and axolotl.yaml are not written (only you know the columns)'];
  const warnings: string[] = [];
  const inputMayLack = config.style === 'instruction' && !config.format.include_empty_input;
  if (inputMayLack) {
    warnings.push(
      'format.include_empty_input is false, so lines differ in their columns: dataset_info.json and axolotl.yaml are not written (LLaMA-Factory reads `input` from every line; HF datasets, which axolotl and the TRL snippet in README.md load with, refuses files whose columns differ); set it to true for them',
    );
  }
  if (config.output.compression !== 'none') {
    warnings.push(`dataset_info.json is not written: LLaMA-Factory does not read ${config.output.compression} files; export with output.compression none for it`);
  }
  if (config.style === 'openai' && config.format.openai_assistant_weight) {
    warnings.push(
      'format.openai_assistant_weight: only axolotl.yaml reads the messages\' weight (message_field_training); LLaMA-Factory (dataset_info.json) and the TRL snippet train on every assistant message',
    );
  }
  return warnings;
}

/**
 * Refuses, before any record is read, adapter metadata values that writing adapter_metadata.json would refuse only at
 * the end of the run: an `adapter_version` that is no semantic version, a `language` that is no BCP-47 / ISO 639 code.
 */
export function checkAdapterMetadataConfig(config: ExportConfig): void {
  const am = config.adapter_metadata;
  if (!am.enabled || am.base_model === undefined) return;
  // zod's issues, at their place in the config, as the cause: what a config that does not parse carries, so a caller
  // points at these keys as at any other (the CLI names their YAML lines).
  const issues: z.core.$ZodIssue[] = [];
  const at = (path: PropertyKey[], result: z.ZodSafeParseResult<unknown>): void => {
    if (!result.success) for (const issue of result.error.issues) issues.push({ ...issue, path: [...path, ...issue.path] });
  };
  at(['adapter_metadata', 'adapter_version'], AdapterMetadataSchema.shape.adapter_version.safeParse(am.adapter_version));
  am.language.forEach((code, i) => at(['adapter_metadata', 'language', i], TaskSchema.shape.language.safeParse(code)));
  if (issues.length === 0) return;
  const lines = issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
  throw new ExportError('EXPORT_CONFIG_INVALID', `invalid export config:\n  ${lines.join('\n  ')}`, { cause: new z.ZodError(issues) });
}

/** What {@link toTrainerConfigs} needs to know of an export's config, for its data files. */
export function trainerConfigInput(config: ExportConfig, files: TrainerConfigInput['files']): TrainerConfigInput {
  return {
    name: config.output.dataset_name,
    style: config.style,
    files,
    system: writesSystemKey(config),
    input: config.format.include_empty_input,
    ...(config.adapter_metadata.description !== undefined ? { description: config.adapter_metadata.description } : {}),
  };
}

/** Write quality report, adapter metadata, trainer configs and finally the manifest into the temp directory. */
export async function writeArtifacts(input: ArtifactInput): Promise<{ result: ArtifactResult; warnings: string[] }> {
  const { config, dir, stats, dataFiles } = input;
  const warnings: string[] = [];
  const artifacts: ExportManifest['artifacts'] = [];
  const add = async (name: string, content: string) => {
    await dir.writeFile(name, content);
    artifacts.push({ path: name, bytes: Buffer.byteLength(content), sha256: sha256Hex(content) });
  };
  const redacted = redactConfig(config);
  const configSha256 = configHash(config);

  let report: ReportResult = {};
  if (input.reporter) {
    const { stateFile, ...finished } = await input.reporter.finish(stats, join(dir.tmp, ACCUMULATOR_FILE));
    report = finished;
    if (report.report) await add('quality_report.json', `${JSON.stringify(report.report, null, 2)}\n`);
    const html = input.reporter.html(report);
    if (html !== undefined && config.quality_metrics.html) await add('quality_report.html', html);
    if (stateFile) artifacts.push({ path: ACCUMULATOR_FILE, ...stateFile });
  }

  let metadata: AdapterMetadata | undefined;
  const metaInput = buildAdapterMetadata(config, stats, dataFiles, configSha256, input.source.description);
  const givenId = config.adapter_metadata.adapter_id;
  if (metaInput && givenId !== undefined && metaInput.adapter_id !== givenId) {
    // The id is the name vLLM serves the adapter under, which clients send as `model`: a silent change would be missed.
    warnings.push(`adapter_metadata.adapter_id "${givenId}" is written as "${metaInput.adapter_id}" (an id is a slug: lower-case letters, digits, ".", "_", "-"); clients select the adapter by that name`);
  }
  if (metaInput) {
    const path = join(dir.tmp, 'adapter_metadata.json');
    metadata = await writeAdapterMetadata(path, metaInput);
    const text = await readFile(path, 'utf8');
    artifacts.push({ path: 'adapter_metadata.json', bytes: Buffer.byteLength(text), sha256: sha256Hex(text) });
    // A PEFT config made from defaults nobody chose would not match the weights trained.
    const unset = LORA_KEYS.filter((key) => config.adapter_metadata[key] === undefined);
    if (unset.length > 0) {
      const defaults = unset.map((key) => `${key} ${String(metadata?.training[key])}`).join(', ');
      warnings.push(
        `adapter_metadata.json holds the metadata model's defaults ${defaults}: set adapter_metadata.${unset.join(', ')} to what the adapter is trained with, or replace the file after training (lorakit adapter from-peft)`,
      );
    }
  } else if (config.adapter_metadata.enabled) {
    warnings.push('adapter_metadata.json was not written: set adapter_metadata.base_model');
  }

  if (config.output.trainer_configs) {
    const trainer = toTrainerConfigs(trainerConfigInput(config, dataFiles.map((f) => ({ path: f.path, split: f.split }))));
    if (trainer['dataset_info.json'] !== undefined) await add('dataset_info.json', trainer['dataset_info.json']);
    if (trainer['axolotl.yaml'] !== undefined) await add('axolotl.yaml', trainer['axolotl.yaml']);
    await add('README.md', trainer['README.md']);
    warnings.push(...trainerConfigWarnings(config));
  }

  const manifest: ExportManifest = {
    format: MANIFEST_FORMAT,
    tool: { name: '@lorakit/jsonl-exporter', version: toolVersion() },
    created_at: new Date().toISOString(),
    source: input.source.description,
    partition: config.partition ?? null,
    ...(freshnessWeighted(config) ? { weighting_now: config.weighting.now ?? new Date(input.startedAt).toISOString() } : {}),
    config_sha256: configSha256,
    files: [...dataFiles, input.rejectsFile],
    artifacts,
    stats,
    config: redacted,
  };
  await dir.writeFile(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  const result: ArtifactResult = { manifest, ...report };
  if (metadata) result.metadata = metadata;
  return { result, warnings };
}
