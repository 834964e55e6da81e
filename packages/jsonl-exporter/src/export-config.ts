import { checkGates, phoneRegions, type PiiType } from '@lorakit/quality-metrics';
import { z } from 'zod';
import { ExportError } from './errors.js';
import { SourceConfigSchema } from './sources/index.js';
import { parseIsoInstant } from './select/compare-values.js';
import { compileFilter } from './select/compile-filter.js';
import { hasOpenPlaceholder } from './internal/template.js';

/** `dedup.near_threshold` when the config leaves it out. */
export const DEFAULT_NEAR_THRESHOLD = 0.85;

// The types detectPii finds. A misspelt one must fail the config: as a filter it would switch redaction off.
const PII_TYPES = ['email', 'phone', 'iban', 'card', 'ipv4', 'ipv6'] as const satisfies readonly PiiType[];
// Fails to compile when quality-metrics gains a type this list lacks.
const ALL_PII_TYPES: Exclude<PiiType, (typeof PII_TYPES)[number]> extends never ? true : never = true;
void ALL_PII_TYPES;

/** Output styles: the shape each exported line takes, one per trainer family. */
export const ExportStyleSchema = z
  .enum(['instruction', 'chat', 'sharegpt', 'completion', 'text', 'openai', 'custom'])
  .describe(
    'Output line shape: instruction (alpaca instruction/input/output), chat (messages), sharegpt (conversations), ' +
      'completion (prompt/completion), text, openai (OpenAI fine-tuning messages), custom (declarative mapping).',
  );
/** One of the output styles. */
export type ExportStyle = z.infer<typeof ExportStyleSchema>;

/**
 * The message for a value that fits none of a union's forms. When the value's type matches exactly one form (a gate
 * object with a misspelt key), the message lists that form's problems. Otherwise it names the forms. Without it,
 * zod says only "Invalid input".
 */
function unionError(forms: string) {
  return (issue: { errors?: readonly (readonly { code: string; path: readonly PropertyKey[]; message: string }[])[] }): string => {
    const fitting = (issue.errors ?? []).filter((problems) => !problems.some((p) => p.code === 'invalid_type' && p.path.length === 0));
    if (fitting.length !== 1) return `expected ${forms}`;
    const problems = (fitting[0] ?? []).map((p) => (p.path.length > 0 ? `${p.path.map(String).join('.')}: ` : '') + p.message);
    return `${problems.join('; ')} (expected ${forms})`;
  };
}

const fieldPath = (what: string, def: string) =>
  z.string().min(1).default(def).describe(`Record path (dots for nesting, e.g. meta.source) of ${what}.`);

const FieldMappingSchema = z
  .object({
    instruction_field: fieldPath('the instruction (instruction style) / the user turn (chat, sharegpt, openai)', 'instruction'),
    input_field: fieldPath('the optional input / context (appended to the user turn in chat styles)', 'input'),
    output_field: fieldPath('the response (output / assistant turn)', 'output'),
    system_field: z
      .string()
      .min(1)
      .optional()
      .describe('Record path of a per-record system prompt. Unset: no system prompt unless `system_prompt` is set.'),
    system_prompt: z
      .string()
      .optional()
      .describe('A constant system prompt written into every sample (used when `system_field` is unset or empty).'),
    messages_field: fieldPath(
      'a ready-made conversation array (role/content or from/value items); when present it wins over the turn fields in chat, sharegpt and openai styles',
      'messages',
    ),
    prompt_field: fieldPath('the prompt (completion style)', 'prompt'),
    completion_field: fieldPath('the completion (completion style)', 'completion'),
    text_field: fieldPath('the text (text style)', 'text'),
  })
  .strict()
  .describe('Where each part of a sample is read from in the source record.');

const FormatSchema = z
  .object({
    include_empty_input: z
      .boolean()
      .default(true)
      .describe('Instruction style: write `"input": ""` when the record has no input (false: omit the key).'),
    openai_assistant_weight: z
      .boolean()
      .default(false)
      .describe('OpenAI style: add `weight` 0/1 to assistant messages without their own (1 on the last one, 0 on earlier ones) as OpenAI fine-tuning allows. A weight a message has in the record is always kept.'),
    include_weight: z
      .boolean()
      .default(true)
      .describe('Write the computed `weight` as a top-level number (never in the openai style, whose lines hold `messages` only).'),
    metadata_fields: z
      .array(z.string().min(1))
      .default([])
      .describe('Record paths copied into a `metadata` object on each line, keeping their JSON types.'),
    custom: z
      .record(
        z.string(),
        z.string().refine((v) => !hasOpenPlaceholder(v), {
          message: 'a template placeholder is not closed: write {{field}}',
        }),
      )
      .default({})
      .describe(
        'Custom style: output key -> record path (`meta.source`) or template (`"{{question}}\\n\\n{{context}}"`). ' +
          'Keys are written in the order given. The response text for length/weighting is `response_key`.',
      ),
    response_key: z
      .string()
      .min(1)
      .optional()
      .describe('Custom style: which output key holds the response (for length filters and weighting). Default: the last key.'),
  })
  .strict()
  .describe('Options of the output format.');

const WeightingSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Compute a per-sample `weight`.'),
    mode: z
      .enum(['full', 'parity'])
      .default('full')
      .describe(
        'full: weight = explicit x length_factor x freshness_factor, clamped to [min_weight, max_weight]. ' +
          'parity: reproduces the previous system (explicit weight clamped to [0, 1], no factors).',
      ),
    weight_field: z
      .string()
      .min(1)
      .default('weight')
      .describe('Record path of the explicit weight (number or numeric string). Missing: 1.'),
    default_weight: z.number().default(1).describe('Explicit weight used when the record has none.'),
    length_factor: z
      .boolean()
      .default(true)
      .describe('Multiply by 1 + min(0.5, chars / 2000) of the response text (characters, not bytes).'),
    timestamp_field: z
      .string()
      .min(1)
      .optional()
      .describe('Record path of a timestamp (ISO 8601, epoch seconds or ms). Unset: no freshness factor.'),
    half_life_days: z
      .number()
      .positive()
      .default(180)
      .describe('Freshness: 0.5 + 0.5 x 2^(-age_days / half_life_days); future timestamps get 1.'),
    min_weight: z.number().default(0).describe('Lower clamp of the final weight.'),
    max_weight: z.number().default(2).describe('Upper clamp of the final weight.'),
    now: z
      .string()
      .refine((v) => parseIsoInstant(v.trim()) !== undefined, {
        message: 'must be an ISO 8601 date or date-time that exists, e.g. 2026-01-01 or 2026-01-01T00:00:00Z',
      })
      .optional()
      .describe('Reference time (ISO 8601) for freshness, for reproducible exports. Default: the start of the run, recorded in manifest.json as weighting_now.'),
  })
  .strict()
  .refine((w) => w.min_weight <= w.max_weight, {
    message: 'min_weight must not be above max_weight (the clamp would give every sample min_weight)',
    path: ['max_weight'],
  })
  .describe('Per-sample training weight.');

const QualitySchema = z
  .object({
    min_text_length: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('Reject samples whose response is shorter than this many characters (Unicode code points).'),
    max_text_length: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Reject samples whose response is longer than this many characters. Unset: no limit.'),
    reject_empty: z
      .boolean()
      .default(true)
      .describe(
        'Reject samples whose response is empty or whitespace only (`empty_response`), and, in the chat, sharegpt and openai styles, a conversation with any empty turn (`empty_turn`). The openai style rejects a message with empty content even when false (OpenAI refuses it).',
      ),
    toxicity: z
      .object({
        enabled: z.boolean().default(false).describe('Reject samples containing a listed word (on word boundaries).'),
        words: z.array(z.string().min(1)).default([]).describe('The word list (case-insensitive, whole words, compared in Unicode NFC: `Müll` matches however its ü is encoded).'),
        fields: z
          .array(z.enum(['prompt', 'response']))
          .default(['prompt', 'response'])
          .describe('Which text is searched: `prompt` is the system prompt, every user turn and the input; `response` every assistant turn.'),
      })
      .strict()
      .prefault({})
      .describe('Optional keyword toxicity filter (off by default).'),
  })
  .strict()
  .describe('Filters on the formatted sample.');

const PiiSchema = z
  .object({
    policy: z
      .enum(['off', 'flag', 'redact', 'reject'])
      .default('off')
      .describe('off: no detection; flag: count and list in the report; redact: rewrite the text; reject: drop the sample.'),
    fields: z
      .array(z.enum(['system', 'prompt', 'response', 'metadata']))
      .default(['system', 'prompt', 'response', 'metadata'])
      .describe('Which parts of the sample are scanned. Default: all of them, so redact leaves no detected PII in a line.'),
    types: z
      .array(z.enum(PII_TYPES))
      .default([])
      .describe(`PII types to act on, as quality-metrics detectPii names them (${PII_TYPES.join(', ')}). Empty: all.`),
    phone_regions: z
      .array(z.string().regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code such as "DE" (ISO 3166-1 alpha-2)'))
      .default([])
      .superRefine((regions, ctx) => {
        for (const [i, region] of regions.entries()) {
          try {
            phoneRegions([region]);
          } catch (error) {
            ctx.addIssue({ code: 'custom', path: [i], message: (error as Error).message });
          }
        }
      })
      .describe(
        'Countries (ISO 3166-1 alpha-2, e.g. [DE, AT]) whose national phone numbers are found too (030 12345678), each checked against its numbering plan; only countries whose numbers begin with a trunk 0 (DE, AT, CH, GB, FR, NL, ...). The quality report uses them as well. Empty: only numbers with +/00, a bracketed area code or the US 3-3-4 form.',
      ),
    strategy: z
      .enum(['mask', 'remove', 'hash', 'partial'])
      .default('remove')
      .describe(
        'Redaction: mask (same-length ****), remove (typed placeholder like [EMAIL]), hash (HMAC-SHA256, needs a key), ' +
          'partial (an e-mail keeps its first letter and domain, anything else its last four letters or digits, at most half).',
      ),
    hash_key: z.string().min(1).optional().describe('HMAC key for the hash strategy (prefer hash_key_env).'),
    hash_key_env: z
      .string()
      .min(1)
      .default('LORAKIT_PII_HASH_KEY')
      .describe('Environment variable holding the HMAC key for the hash strategy.'),
  })
  .strict()
  .describe('Personal data detection and handling.');

const StructuredGenSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Validate each exported line against `json_schema`.'),
    json_schema: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())], { error: unionError('a JSON Schema object, or the path of a JSON Schema file') })
      .optional()
      .describe('JSON Schema (inline object, or a file path relative to the config) each exported line must satisfy.'),
    reject_invalid_samples: z
      .boolean()
      .default(true)
      .describe('true: invalid samples go to rejects; false: they are kept and counted as invalid.'),
  })
  .strict()
  .describe('JSON Schema validation of the formatted samples.');

const DedupSchema = z
  .object({
    exact: z.boolean().default(true).describe('Drop exact duplicates (canonical key: whitespace folded, NFC).'),
    near: z.boolean().default(false).describe('Drop near duplicates (MinHash LSH). Not across partitions.'),
    near_threshold: z.number().gt(0).max(1).default(DEFAULT_NEAR_THRESHOLD).describe('Jaccard similarity at which a sample is a near duplicate, in (0, 1]'),
  })
  .strict()
  .describe('Duplicate removal; the first occurrence is kept, later ones go to rejects with `duplicate_of`.');

const SplitSchema = z
  .object({
    validation: z.number().min(0).max(1).default(0.1).describe('Fraction of samples in the validation split.'),
    test: z.number().min(0).max(1).default(0).describe('Fraction of samples in the test split (0: no test split).'),
    seed: z.number().int().default(42).describe('Seed of the split hash: the same seed puts each record in the same split.'),
    id_field: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Record path of a stable id to hash for split and partition. Unset, or missing, null or blank in a record: the record ref with the file named by its base name (`in.jsonl:17` for line 17 of `data/in.jsonl`, `in.json[3]`, `docs:42` for a table key).',
      ),
    shuffle: z.boolean().default(false).describe('Shuffle each split with `shuffle_seed`.'),
    shuffle_seed: z.number().int().default(42).describe('Seed of the shuffle.'),
    shuffle_buckets: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(64)
      .describe(
        'Shuffle spills each split into this many hash-ordered temp buckets (~8 MB of lines held between spills), then sorts one bucket at a time in memory: more buckets, less memory at the end, more file operations.',
      ),
  })
  .strict()
  .refine((s) => s.validation + s.test < 1, { message: 'validation + test must be below 1', path: ['validation'] })
  .describe('Deterministic train/validation/test split.');

const OutputSchema = z
  .object({
    dir: z
      .string()
      .min(1)
      .default('lorakit-export')
      .describe('Output directory: new, empty or a previous export (any other existing path is refused); replaced atomically at the end.'),
    compression: z
      .enum(['none', 'gzip', 'zstd'])
      .default('none')
      .describe('Compression of the split files: extension .jsonl, .jsonl.gz or .jsonl.zst to match.'),
    shard_max_records: z.number().int().positive().optional().describe('Start a new shard after this many records.'),
    shard_max_bytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Start a new shard after this many uncompressed bytes.'),
    overwrite: z.boolean().default(true).describe('Replace an existing output directory (false: fail with EXPORT_OUTPUT_EXISTS).'),
    rejects_include_record: z
      .boolean()
      .default(true)
      .describe('Copy the offending source record into each rejects.jsonl entry (PII redacted under pii.policy redact and reject).'),
    dataset_name: z.string().min(1).default('lorakit_dataset').describe('Dataset name used in trainer configs and the dataset card.'),
    trainer_configs: z
      .boolean()
      .default(true)
      .describe('Write dataset_info.json (LLaMA-Factory), axolotl.yaml and the dataset card README.md.'),
  })
  .strict()
  .describe('Where and how files are written.');

const AdapterMetadataConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Write adapter_metadata.json (needs base_model; without it the file is skipped with a warning).'),
    adapter_id: z
      .string()
      .min(1)
      .optional()
      .describe('Adapter id (a slug; also the model name clients select in vLLM). Default: output.dataset_name as a slug.'),
    adapter_version: z.string().min(1).default('1.0.0').describe('Semantic version of the adapter.'),
    base_model: z.string().min(1).optional().describe('Hugging Face id of the base model the adapter is trained on.'),
    description: z.string().min(1).optional().describe('Intended use, one or two sentences.'),
    license: z.string().min(1).optional().describe('Licence identifier of the data, e.g. "cc-by-4.0".'),
    created_by: z.string().min(1).optional().describe('Person or team responsible for the data.'),
    task_type: z
      .string()
      .min(1)
      .optional()
      .describe('task.type. Default: "instruction-following" (instruction, chat, sharegpt, openai), "completion", "text-generation".'),
    domain: z.string().min(1).optional().describe('task.domain, e.g. "legal" (what the adapter router matches).'),
    keywords: z.array(z.string().min(1)).default([]).describe('task.keywords the adapter router matches requests on.'),
    language: z.array(z.string().min(1)).default([]).describe('task.language: BCP-47 codes of the data, e.g. ["de"].'),
    lora_rank: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('training.lora_rank: the LoRA rank r the adapter is trained with. Unset: the metadata model\'s default 8 is written, with a warning.'),
    lora_alpha: z
      .number()
      .positive()
      .optional()
      .describe('training.lora_alpha the adapter is trained with. Unset: the default 16 is written, with a warning.'),
    lora_dropout: z
      .number()
      .min(0)
      .lt(1)
      .optional()
      .describe('training.lora_dropout the adapter is trained with, in [0, 1). Unset: the default 0.1 is written, with a warning.'),
  })
  .strict()
  .describe('adapter_metadata.json written beside the data (training.num_samples = exported train samples).');

const QualityMetricsConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Compute quality_report.json and .html on the exported samples.'),
    html: z.boolean().default(true).describe('Also write quality_report.html.'),
    worker_threads: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(1)
      .describe('Worker threads measuring samples beside the pipeline (0: on the main thread). More are faster when the report is the bottleneck and cores are spare, at ~90 MB of memory each; the data files are the same, the report merges the threads\' states (see Partitioned runs in the README).'),
    sample_rate: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe(
        'Share of exported samples, chosen by content hash, on which content metrics (words, diversity, language, PII, flags) are measured; counts, lengths, duplicates and conflicts always cover every sample. Unset: about 2,000 samples when the input size can be told from an uncompressed JSONL/CSV file, otherwise every sample.',
      ),
    near_duplicates: z
      .boolean()
      .default(false)
      .describe('Report near-duplicate clusters among exported samples, verified with exact Jaccard similarity (about 0.8 KB per sample plus 4 bytes per word: ~1.2 GB per million 100-word samples).'),
    expected_languages: z
      .array(z.string().regex(/^\s*[A-Za-z]{2}(?:[-_][A-Za-z0-9]+)*\s*$/, 'must be an ISO 639-1 language code such as "en" or "de" (or a tag such as "en-US")'))
      .default([])
      .describe('ISO 639-1 codes the data should be in (e.g. ["de"]; "EN" and "en-US" read as "en"); others are reported as mismatches.'),
    gates: z
      .array(
        z.union([
          z.string().min(1),
          z
            .object({
              metric: z.string().min(1).describe('Report metric, e.g. complianceRate, exactDuplicateRate, p99ResponseChars.'),
              op: z.enum(['<', '<=', '>', '>=', '==', '!=']).describe('Comparison.'),
              value: z.number().describe('Threshold.'),
            })
            .strict(),
        ], { error: unionError('a gate: a string such as "complianceRate >= 0.99", or an object { metric, op, value }') }),
      )
      .default([])
      .describe('Quality gates on the report, e.g. "complianceRate >= 0.99"; verdicts are in the result (the CLI exits non-zero when one fails). Need `enabled: true`.'),
  })
  .strict()
  // Gates are verdicts on the report: without it they would pass silently, and a CI gate would be bypassed.
  .refine((q) => q.enabled || q.gates.length === 0, {
    message: 'gates are evaluated on the quality report: set quality_metrics.enabled to true, or remove the gates',
    path: ['gates'],
  })
  // A gate naming no metric (`complianceRat`) or with a bad operator fails here, on its item, not once the export
  // has started (nor after a service answered 200 to the request that holds it).
  .superRefine((q, ctx) => {
    q.gates.forEach((gate, i) => {
      try {
        checkGates([gate]);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['gates', i], message: (error as Error).message });
      }
    });
  })
  .describe('Quality report of what was exported.');

const PartitionSchema = z
  .object({
    index: z.number().int().min(0).describe('This run\'s partition, 0-based.'),
    count: z.number().int().min(1).describe('Number of partitions.'),
  })
  .strict()
  .refine((p) => p.index < p.count, { message: 'index must be below count', path: ['index'] })
  .describe('Export only records whose id hash falls in this partition; merge the runs with mergePartitions.');

/**
 * The export configuration: the one source of truth for `lorakit.yaml`, the CLI's flags and the server's bodies.
 *
 * @example
 * ```ts
 * const config = parseExportConfig({ source: { type: 'jsonl', path: 'records.jsonl' }, output: { dir: 'out' } });
 * ```
 */
export const ExportConfigSchema = z
  .object({
    source: SourceConfigSchema.optional().describe(
      'Where records come from. runExport and `lorakit export` need it; exportRecords, which is handed the records, does not.',
    ),
    style: ExportStyleSchema.default('instruction'),
    field_mapping: FieldMappingSchema.prefault({}),
    format: FormatSchema.prefault({}),
    include_fields: z
      .array(z.string().min(1))
      .default([])
      .describe('Keep only these record fields (empty: all). exclude_fields wins over include_fields.'),
    exclude_fields: z
      .array(z.string().min(1))
      .default([])
      .describe('Drop these record fields; a record whose required mapped field is excluded is rejected.'),
    filter: z
      .string()
      // Checked here, not only when the export starts, so a bad expression is a config issue on its key: the CLI
      // names the file and line (or the --filter flag), as for every other key.
      .superRefine((expression, ctx) => {
        if (expression.trim() === '') return;
        try {
          compileFilter(expression);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional()
      .describe('Filter expression, e.g. `theme == "Umweltrecht" and created_at >= "2020-01-01"`; non-matching records are rejected at stage select.'),
    weighting: WeightingSchema.prefault({}),
    quality: QualitySchema.prefault({}),
    pii: PiiSchema.prefault({}),
    structured_gen: StructuredGenSchema.prefault({}),
    dedup: DedupSchema.prefault({}),
    split: SplitSchema.prefault({}),
    output: OutputSchema.prefault({}),
    partition: PartitionSchema.optional(),
    adapter_metadata: AdapterMetadataConfigSchema.prefault({}),
    quality_metrics: QualityMetricsConfigSchema.prefault({}),
    worker_threads: z
      .number()
      .int()
      .min(0)
      .max(64)
      .optional()
      .describe(
        'Worker threads running the per-record stages (parse to split) of a JSONL file source; output is identical with any count. 0: the main thread. Unset: the cores left over by the main thread and the report worker when there are at least two (at most 4), for files of more than ~20k records or of unknown length; else 0.',
      ),
    max_errors: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Stop with EXPORT_MAX_ERRORS once this many records failed at stage source, map, weight or validate; select, filter, pii and dedup rejects are intended drops and do not count. Unset: no limit.',
      ),
    continue_on_error: z
      .boolean()
      .default(true)
      .describe('false: stop at the first failed record (EXPORT_RECORD_FAILED).'),
  })
  .strict()
  .describe('lorakit export configuration.');

/** A parsed export configuration, every default filled in. */
export type ExportConfig = z.output<typeof ExportConfigSchema>;
/** What a user writes: every field with a default may be left out. */
export type ExportConfigInput = z.input<typeof ExportConfigSchema>;

/** Options of {@link parseExportConfig}. */
export interface ParseExportConfigOptions {
  /** File the input was read from, named in error messages. */
  file?: string;
}

/**
 * Parse and default an export configuration.
 *
 * @throws ExportError `EXPORT_CONFIG_INVALID` whose message names each bad key path.
 * @example
 * ```ts
 * const config = parseExportConfig(YAML.parse(text), { file: 'lorakit.yaml' });
 * ```
 */
export function parseExportConfig(input: unknown, options: ParseExportConfigOptions = {}): ExportConfig {
  const result = ExportConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const where = options.file ? `${options.file}: ` : '';
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  const error = new ExportError('EXPORT_CONFIG_INVALID', `${where}invalid export config:\n${lines.join('\n')}`, {
    cause: result.error,
  });
  throw error;
}

/**
 * Whether a run exports only a share of the dataset (a partition of two or more): its counts say nothing of the
 * whole, so gates and the empty-run guard are left to the merge.
 */
export function exportsShare(config: ExportConfig): boolean {
  return (config.partition?.count ?? 1) > 1;
}
