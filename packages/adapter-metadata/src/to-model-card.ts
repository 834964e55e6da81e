import { stringify } from 'yaml';
import type { AdapterMetadata, AdapterMetadataInput } from './adapter-metadata-schema.js';
import { lintBaseModel } from './internal/base-model-lint.js';
import type { Issue } from './internal/issue.js';
import { truthy } from './internal/json.js';
import { shellQuote } from './internal/shell-quote.js';
import { parseAdapterMetadata } from './parse-adapter-metadata.js';

/** Options of {@link toModelCard}. */
export interface ToModelCardOptions {
  /**
   * License identifier for the front matter.
   * @default meta.license
   */
  license?: string;
  /**
   * Hugging Face Hub dataset IDs for the front matter `datasets`.
   * @default [training.dataset_name] when it reads as a Hub ID, else none
   */
  datasets?: readonly string[];
  /**
   * Hub pipeline tag.
   * @default the one of `training.peft.task_type` (SEQ_CLS: text-classification, SEQ_2_SEQ_LM: text2text-generation,
   * TOKEN_CLS: token-classification, QUESTION_ANS: question-answering, FEATURE_EXTRACTION: feature-extraction), else
   * 'text-generation'
   */
  pipelineTag?: string;
  /**
   * Where the adapter folder lives for the `vllm serve --lora-modules` example.
   * @default `./${adapter_id}`
   */
  adapterPath?: string;
  /** Extra tags, after `lora`, `peft` and `base_model:adapter:<id>`. */
  tags?: readonly string[];
}

/** What {@link toModelCard} returns. */
export interface ModelCard {
  /** The full README.md: YAML front matter, then the body. */
  markdown: string;
  /** Problems that make the card or serving less useful (local or quantised base model, no license). */
  warnings: Issue[];
}

// vLLM accepts only these values for --max-lora-rank.
const VLLM_LORA_RANKS = [8, 16, 32, 64, 128, 256, 320, 512];
const PIPELINE_TAGS: Readonly<Record<string, string>> = {
  CAUSAL_LM: 'text-generation',
  SEQ_2_SEQ_LM: 'text2text-generation',
  SEQ_CLS: 'text-classification',
  TOKEN_CLS: 'token-classification',
  QUESTION_ANS: 'question-answering',
  FEATURE_EXTRACTION: 'feature-extraction',
};
/**
 * The license identifiers the Hub accepts in a card (hub-docs repositories-licenses.md, with the Llama releases added
 * since); it refuses a commit whose card names another. `other` takes a `license_name`.
 */
const HUB_LICENSES: ReadonlySet<string> = new Set([
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0',
  'bigcode-openrail-m', 'afl-3.0', 'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause',
  'bsd-3-clause-clear', 'c-uda', 'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0', 'cc-by-sa-3.0',
  'cc-by-sa-4.0', 'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0', 'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0',
  'cc-by-nc-sa-2.0', 'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0', 'cdla-sharing-1.0', 'cdla-permissive-1.0',
  'cdla-permissive-2.0', 'wtfpl', 'ecl-2.0', 'epl-1.0', 'epl-2.0', 'etalab-2.0', 'eupl-1.1', 'agpl-3.0', 'gfdl', 'gpl',
  'gpl-2.0', 'gpl-3.0', 'lgpl', 'lgpl-2.1', 'lgpl-3.0', 'isc', 'lppl-1.3c', 'ms-pl', 'mpl-2.0', 'odc-by', 'odbl',
  'openrail++', 'osl-3.0', 'postgresql', 'ofl-1.1', 'ncsa', 'unlicense', 'zlib', 'pddl', 'lgpl-lr',
  'deepfloyd-if-license', 'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.3', 'llama4', 'gemma', 'unknown',
  'other',
]);
const HUB_DATASET = /^[\w.-]+\/[\w.-]+$/;

function cell(value: unknown): string {
  return String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function languages(meta: AdapterMetadata): string[] {
  const { language } = meta.task;
  if (language === undefined) return [];
  return Array.isArray(language) ? language : [language];
}

function modelIndex(meta: AdapterMetadata, pipelineTag: string): unknown[] | undefined {
  const metrics = meta.evaluation?.metrics;
  if (metrics === undefined || metrics.length === 0) return undefined;
  const groups = new Map<string, typeof metrics>();
  for (const metric of metrics) {
    const key = JSON.stringify([metric.dataset ?? meta.training.dataset_name ?? 'evaluation', metric.split ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), metric]);
  }
  const results = [...groups.entries()].map(([key, group]) => {
    const [dataset, split] = JSON.parse(key) as [string, string | null];
    return {
      task: { type: pipelineTag },
      dataset: { name: dataset, type: dataset, ...(split === null ? {} : { split }) },
      metrics: group.map((m) => ({ type: m.name, value: m.value, name: m.name })),
    };
  });
  return [{ name: meta.adapter_id, results }];
}

function frontMatter(meta: AdapterMetadata, options: ToModelCardOptions, license: string | undefined): Record<string, unknown> {
  const pipelineTag = options.pipelineTag ?? pipelineTagOf(meta);
  const datasetName = meta.training.dataset_name;
  const datasets = options.datasets ?? (datasetName !== undefined && HUB_DATASET.test(datasetName) ? [datasetName] : []);
  const tags = [...new Set(['lora', 'peft', `base_model:adapter:${meta.base_model.name}`, ...(options.tags ?? [])])];
  const front: Record<string, unknown> = {
    base_model: meta.base_model.name,
    base_model_relation: 'adapter',
    library_name: 'peft',
  };
  if (license !== undefined) front['license'] = license;
  const langs = languages(meta);
  if (langs.length > 0) front['language'] = langs;
  if (datasets.length > 0) front['datasets'] = [...datasets];
  front['pipeline_tag'] = pipelineTag;
  front['tags'] = tags;
  const index = modelIndex(meta, pipelineTag);
  if (index !== undefined) front['model-index'] = index;
  return front;
}

function pipelineTagOf(meta: AdapterMetadata): string {
  const task = meta.training.peft?.['task_type'];
  return (typeof task === 'string' ? PIPELINE_TAGS[task] : undefined) ?? 'text-generation';
}

function maxLoraRank(meta: AdapterMetadata): number {
  const rank = Math.max(meta.training.lora_rank, ...Object.values(meta.training.peft?.['rank_pattern'] ?? {})
    .filter((v): v is number => typeof v === 'number'));
  return VLLM_LORA_RANKS.find((r) => r >= rank) ?? rank;
}

function body(meta: AdapterMetadata, options: ToModelCardOptions): string {
  const t = meta.training;
  const p = meta.provenance;
  const parts: string[] = [`# ${meta.adapter_id}`, '',
    `A LoRA adapter (version ${meta.adapter_version}) for [${meta.base_model.name}](https://huggingface.co/${meta.base_model.name}).`];

  parts.push('', '## Intended use', '');
  if (meta.description !== undefined) parts.push(meta.description, '');
  const use = [
    ['Task', meta.task.type], ['Domain', meta.task.domain], ['Language', languages(meta).join(', ') || undefined],
    ['Keywords', meta.task.keywords?.join(', ')],
  ].filter((row): row is [string, string] => row[1] !== undefined);
  parts.push(use.length > 0 ? table(['Field', 'Value'], use) : 'Not documented.');

  parts.push('', '## Training data', '');
  if (t.dataset_name !== undefined) parts.push(`Dataset: ${t.dataset_name}.`, '');
  if (p.data_source_uri !== undefined) parts.push(`Source: ${p.data_source_uri}.`, '');
  parts.push(p.datasets.length > 0
    ? table(['File', 'Split', 'Records', 'Bytes', 'SHA-256'],
      p.datasets.map((d) => [d.path, d.split ?? '', d.records, d.bytes, `\`${d.sha256}\``]))
    : 'No training files recorded.');
  if (p.export_config_sha256 !== undefined) parts.push('', `Export configuration SHA-256: \`${p.export_config_sha256}\`.`);

  const hyper: [string, unknown][] = [
    ['LoRA rank (r)', t.lora_rank], ['LoRA alpha', t.lora_alpha], ['LoRA dropout', t.lora_dropout],
    ['Target modules', Array.isArray(t.target_modules) ? t.target_modules.join(', ') : t.target_modules],
    ['rsLoRA', t.use_rslora], ['DoRA', t.use_dora], ['Bias', t.bias], ['Modules to save', t.modules_to_save?.join(', ')],
    ['Samples', t.num_samples], ['Epochs', t.epochs], ['Learning rate', t.learning_rate], ['Batch size', t.batch_size],
    ['Gradient accumulation steps', t.gradient_accumulation_steps], ['Max sequence length', t.max_seq_len],
    ['Optimizer', t.optimizer], ['Scheduler', t.scheduler], ['Seed', t.seed],
  ];
  parts.push('', '## Hyper-parameters', '', table(['Parameter', 'Value'], hyper.filter(([, v]) => v !== undefined)));

  if (meta.evaluation !== undefined) {
    parts.push('', '## Evaluation', '', table(['Metric', 'Value', 'Dataset', 'Split'],
      meta.evaluation.metrics.map((m) => [m.name, m.value, m.dataset ?? '', m.split ?? ''])));
  }

  parts.push('', '## Lineage', '');
  const lineage: string[] = [];
  if (p.parent_adapter_id !== undefined) {
    lineage.push(`- Trained from adapter \`${p.parent_adapter_id}${p.parent_adapter_version === undefined ? '' : `@${p.parent_adapter_version}`}\`.`);
  }
  lineage.push(`- Base model: \`${meta.base_model.name}\`${meta.base_model.revision === undefined ? '' : ` (revision \`${meta.base_model.revision}\`)`}.`);
  if (p.created_by !== undefined) lineage.push(`- Created by ${p.created_by}${meta.created_at === undefined ? '' : ` on ${meta.created_at}`}.`);
  if (p.tool !== undefined) lineage.push(`- Written by ${p.tool.name} ${p.tool.version}.`);
  parts.push(lineage.join('\n'));

  const served = meta.base_model.serving_name ?? meta.base_model.name;
  const path = options.adapterPath ?? `./${meta.adapter_id}`;
  parts.push('', '## Serving with vLLM', '',
    'Start vLLM with the base model and this adapter (the adapter\'s `base_model_name_or_path` must equal the served model):',
    '', '```sh',
    `vllm serve ${shellQuote(served)} --enable-lora --max-lora-rank ${maxLoraRank(meta)} \\`,
    `  --lora-modules ${shellQuote(`${meta.adapter_id}=${path}`)}`,
    '```', '', `Then select the adapter by name in requests, with \`model: "${meta.adapter_id}"\`:`, '', '```sh',
    'curl http://localhost:8000/v1/chat/completions -H "Content-Type: application/json" \\',
    `  -d '${JSON.stringify({ model: meta.adapter_id, messages: [{ role: 'user', content: 'Hello' }] })}'`,
    '```', '');
  return parts.join('\n');
}

/**
 * A Hugging Face model card (`README.md`) for the adapter: YAML front matter (`base_model`,
 * `base_model_relation: adapter`, `library_name: peft`, `license`, `language`, `datasets`, `pipeline_tag`, `tags`,
 * `model-index` when there are evaluation results), then intended use, training data with hashes, hyper-parameters,
 * lineage and how to serve it with vLLM. Warns when the base model is a local path or a quantised repo.
 *
 * @example
 * ```ts
 * const { markdown, warnings } = toModelCard(meta, { license: 'apache-2.0' });
 * await writeFile(join(adapterDir, 'README.md'), markdown);
 * ```
 */
export function toModelCard(meta: AdapterMetadataInput, options: ToModelCardOptions = {}): ModelCard {
  const parsed = parseAdapterMetadata(meta);
  const license = options.license ?? parsed.license;
  const warnings = lintBaseModel(parsed.base_model.name, '/base_model/name');
  if (license === undefined) {
    warnings.push({ code: 'license_missing', path: '/license',
      message: 'no license: the Hub shows the card as unlicensed; set meta.license or options.license' });
  } else if (!HUB_LICENSES.has(license)) {
    const spelled = license.trim().toLowerCase().replace(/\s+/g, '-');
    const hint = HUB_LICENSES.has(spelled) ? `write "${spelled}"` : 'use a Hub identifier (apache-2.0, mit, cc-by-4.0, ...), or "other" with the license text in a LICENSE file';
    warnings.push({ code: 'license_unknown', path: '/license',
      message: `license "${license}" is not one of the Hub's license identifiers known here, and the Hub refuses a card naming one outside its list: ${hint}` });
  }
  const rank = maxLoraRank(parsed);
  if (rank > 512) {
    warnings.push({ code: 'rank_unservable', path: '/training/lora_rank',
      message: `rank ${rank} is above 512, the largest --max-lora-rank vLLM accepts: the card's vllm serve example cannot serve it` });
  }
  const t = parsed.training;
  const peft = t.peft ?? {};
  const init = peft['init_lora_weights'];
  const unservable = [
    t.use_dora === true ? 'DoRA (use_dora)' : undefined,
    t.bias !== undefined && t.bias !== 'none' ? `bias "${t.bias}"` : undefined,
    (t.modules_to_save ?? []).some((m) => !['classifier', 'score'].includes(m.slice(m.lastIndexOf('.') + 1))) ? 'modules_to_save' : undefined,
    // What vLLM's PEFTHelper refuses besides (as checkAdapter of @lorakit/vllm-config reports it).
    typeof init === 'string' && /^(?:pissa|olora|corda|loftq)/i.test(init) ? `init_lora_weights "${init}"` : undefined,
    ...['lora_bias', 'use_qalora', 'alora_invocation_tokens', 'layer_replication', 'use_bdlora'].filter((key) => truthy(peft[key])),
  ].filter((x) => x !== undefined);
  if (unservable.length > 0) {
    warnings.push({ code: 'vllm_unservable', path: '/training',
      message: `vLLM does not serve adapters with ${unservable.join(', ')}: the card's vllm serve example fails to load it (lorakit adapter check says why)` });
  }
  const markdown = `---\n${stringify(frontMatter(parsed, options, license), { lineWidth: 0 })}---\n\n${body(parsed, options)}`;
  return { markdown, warnings };
}
