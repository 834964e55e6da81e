import { z } from 'zod';

// The semver.org regular expression, so the generated JSON Schema enforces it too.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const SLUG = /^[a-z0-9](?:[a-z0-9._-]{0,126}[a-z0-9])?$/;
const LANGUAGE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
const SHA256 = /^[0-9a-f]{64}$/;

const semver = z.string().regex(SEMVER, 'must be a semantic version such as "1.0.0"');
const languageCode = z.string().regex(LANGUAGE, 'must be a BCP-47 / ISO 639 code such as "en" or "pt-BR"');
const timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as "2025-01-31T12:00:00Z"' });
const count = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();

/** The base model an adapter was trained on and is served with. */
export const BaseModelSchema = z.looseObject({
  name: z.string().min(1, 'must name the base model').describe('Hugging Face Hub ID of the base model, e.g. "mistralai/Mistral-7B-v0.1".'),
  revision: z.string().min(1).optional().describe('Hub revision (branch, tag or commit) of the base model.'),
  architecture: z.string().min(1).optional().describe('Transformers architecture class, e.g. "MistralForCausalLM".'),
  serving_name: z.string().min(1).optional()
    .describe('The exact model string given to `vllm serve`; written as base_model_name_or_path, which vLLM requires to match. Defaults to `name`.'),
}).describe('The base model.');

/** What the adapter is for: the words an adapter router matches on. */
export const TaskSchema = z.looseObject({
  type: z.string().min(1).optional().describe('Kind of task, e.g. "instruction-following", "classification", "text-to-sql".'),
  domain: z.string().min(1).optional().describe('Subject area, e.g. "legal", "customer-support".'),
  language: z.union([languageCode, z.array(languageCode).min(1)]).optional()
    .describe('BCP-47 / ISO 639 language code of the training data, or a list of them.'),
  keywords: z.array(z.string().min(1)).optional().describe('Words an adapter router matches requests on, beside domain and type.'),
}).describe('The task the adapter was trained for.');

/** Training hyper-parameters; the LoRA ones map onto PEFT's adapter_config.json. */
export const TrainingSchema = z.looseObject({
  dataset_name: z.string().min(1).optional().describe('Human name of the training dataset.'),
  num_samples: count.optional().describe('Number of training samples.'),
  epochs: z.number().positive().optional().describe('Training epochs (may be fractional).'),
  learning_rate: z.number().positive().optional().describe('Peak learning rate.'),
  lora_rank: positiveInt.default(8).describe('LoRA rank r (PEFT `r`); must be > 0.'),
  lora_alpha: z.number().positive('must be > 0').default(16).describe('LoRA scaling alpha (PEFT `lora_alpha`); must be > 0.'),
  lora_dropout: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.1)
    .describe('Dropout on the LoRA path (PEFT `lora_dropout`), in [0, 1).'),
  target_modules: z.union([
    z.array(z.string().min(1)).min(1, 'must name at least one module'),
    z.string().min(1, 'must not be empty'),
  ]).optional().describe('Modules LoRA is applied to: a list of names, or one regex string matched against full module paths (as PEFT allows). Absent = the model default.'),
  use_rslora: z.boolean().optional().describe('Rank-stabilised LoRA (scale alpha/sqrt(r)).'),
  use_dora: z.boolean().optional().describe('Weight-decomposed LoRA (DoRA).'),
  bias: z.enum(['none', 'all', 'lora_only']).optional().describe('Which biases are trained (PEFT `bias`).'),
  modules_to_save: z.array(z.string().min(1)).optional().describe('Modules trained in full and saved with the adapter.'),
  max_seq_len: positiveInt.optional().describe('Maximum sequence length in tokens.'),
  batch_size: positiveInt.optional().describe('Per-device batch size.'),
  gradient_accumulation_steps: positiveInt.optional().describe('Gradient accumulation steps.'),
  seed: z.number().int().optional().describe('Random seed.'),
  optimizer: z.string().min(1).optional().describe('Optimizer, e.g. "adamw_torch".'),
  scheduler: z.string().min(1).optional().describe('Learning-rate scheduler, e.g. "cosine".'),
  peft: z.record(z.string(), z.json()).optional()
    .describe('Other adapter_config.json keys (task_type, rank_pattern, layers_to_transform, ...), written back unchanged.'),
}).describe('Training hyper-parameters.');

/** One training file, identified by its bytes. */
export const DatasetFileSchema = z.looseObject({
  path: z.string().min(1).describe('Path of the file as given when the adapter was trained.'),
  sha256: z.string().regex(SHA256, 'must be 64 lowercase hex digits').describe('SHA-256 of the file bytes.'),
  bytes: count.describe('File size in bytes.'),
  records: count.describe('Number of records (non-blank JSONL lines).'),
  split: z.string().min(1).optional().describe('Dataset split, e.g. "train", "validation".'),
});

/** Who made the adapter, from what data, and what it descends from. */
export const ProvenanceSchema = z.looseObject({
  created_by: z.string().min(1).optional().describe('Person or team that trained the adapter.'),
  data_source_uri: z.string().min(1).optional().describe('Where the training records came from.'),
  parent_adapter_id: z.string().regex(SLUG, 'must be an adapter id slug').optional().describe('The adapter this one was trained from.'),
  parent_adapter_version: semver.optional().describe('Version of the parent adapter.'),
  datasets: z.array(DatasetFileSchema).default([]).describe('Every training file, with hash and counts.'),
  tool: z.looseObject({
    name: z.string().min(1).describe('Tool name, e.g. "lorakit".'),
    version: z.string().min(1).describe('Tool version.'),
  }).optional().describe('The tool that wrote this file.'),
  export_config_sha256: z.string().regex(SHA256, 'must be 64 lowercase hex digits').optional()
    .describe('SHA-256 of the export configuration that produced the data.'),
}).describe('Provenance.');

/** One evaluation result. */
export const EvaluationMetricSchema = z.looseObject({
  name: z.string().min(1).describe('Metric name, e.g. "eval_loss", "accuracy", "perplexity".'),
  value: z.number().describe('Metric value.'),
  dataset: z.string().min(1).optional().describe('Dataset the metric was measured on.'),
  split: z.string().min(1).optional().describe('Dataset split.'),
});

/**
 * The adapter metadata model: identity, base model, task, training, evaluation, provenance and custom fields,
 * grouped as in the system lorakit replaces. Stored as `adapter_metadata.json` beside the PEFT files.
 */
export const AdapterMetadataSchema = z.looseObject({
  adapter_id: z.string().regex(SLUG, 'must be a slug: lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit, at most 128 characters')
    .describe('Adapter identifier; also the model name clients select in vLLM.'),
  adapter_version: semver.default('1.0.0').describe('Semantic version of the adapter.'),
  description: z.string().min(1).optional().describe('Intended use, one or two sentences.'),
  license: z.string().min(1).optional().describe('License identifier, e.g. "apache-2.0".'),
  created_at: timestamp.optional().describe('When the adapter was trained.'),
  exported_at: timestamp.optional().describe('When the training data was exported.'),
  base_model: BaseModelSchema,
  task: TaskSchema.prefault({}),
  training: TrainingSchema.prefault({}),
  evaluation: z.looseObject({
    metrics: z.array(EvaluationMetricSchema).min(1).describe('Named metrics with values.'),
  }).optional().describe('Evaluation results.'),
  provenance: ProvenanceSchema.prefault({}),
  custom: z.record(z.string(), z.json()).default({}).describe('Any JSON values.'),
}).superRefine((meta, ctx) => {
  if (meta.provenance.parent_adapter_id !== undefined && meta.provenance.parent_adapter_id === meta.adapter_id) {
    ctx.addIssue({
      code: 'custom',
      path: ['provenance', 'parent_adapter_id'],
      message: 'an adapter cannot be its own parent; set parent_adapter_id to the adapter this one was trained from',
      params: { code: 'parent_is_self' },
    });
  }
}).describe('LoRA adapter metadata (adapter_metadata.json).');

/** Adapter metadata after parsing: defaults applied. */
export type AdapterMetadata = z.infer<typeof AdapterMetadataSchema>;
/** Adapter metadata as written by hand: fields with defaults may be left out. */
export type AdapterMetadataInput = z.input<typeof AdapterMetadataSchema>;
