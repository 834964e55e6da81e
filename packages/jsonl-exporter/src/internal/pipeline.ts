import { canonicalKey, createNearDupIndex, type NearDupIndex } from '@lorakit/quality-metrics';
import type { ExportConfig } from '../export-config.js';
import { ExportError } from '../errors.js';
import { createExportStats, type ExportStage, type ExportStats, type RejectEntry } from '../export-stats.js';
import { compileFilter, getPath, selectFields } from '../select/index.js';
import type { SourceItem } from '../sources/index.js';
import type { Draft } from './draft.js';
import { sha256Hex, unitHash } from './hash.js';
import { Mapper, promptText, responseText, type MapFailure } from './mapper.js';
import { PiiStage } from './pii.js';
import { QualityFilter } from './quality-filter.js';
import { ExactKeyTable } from './exact-key-table.js';
import { RefTable } from './ref-table.js';
import { Renderer } from './render.js';
import { countCodePoints } from '@lorakit/schema-validation';
import { Weighter } from './weight.js';

/** A validation issue as the pipeline needs it (the shape of schema-validation's Issue). */
export interface PipelineIssue {
  code: string;
  path: string;
  message: string;
}

/** What the validate stage needs from a compiled schema. */
export interface SampleValidator {
  validate(value: unknown): { success: true } | { success: false; issues: PipelineIssue[] };
}

/** Receives every exported sample (the quality accumulator). */
export interface SampleSink {
  add(sample: Record<string, unknown>, line: string, info: { line?: number; issues?: PipelineIssue[] }): void;
}

/** One exported line. */
export interface LineOutcome {
  kind: 'line';
  split: string;
  line: string;
  /** Stable id hashed for split/partition/shuffle. */
  id: string;
}

/** One rejected record. */
export interface RejectOutcome {
  kind: 'reject';
  reject: RejectEntry;
}

/** Records of another partition produce nothing. */
export type Outcome = LineOutcome | RejectOutcome | undefined;

/** Stages whose rejections are errors (count against max_errors); the others drop records on purpose. */
const ERROR_STAGES: ReadonlySet<ExportStage> = new Set(['source', 'map', 'weight', 'validate']);

/** Everything the pipeline needs besides the config. */
export interface PipelineContext {
  env: NodeJS.ProcessEnv;
  startedAt: number;
  validator?: SampleValidator | undefined;
  sink?: SampleSink | undefined;
}

/**
 * Stages 2-8 of the export (select, map, weight, filter, PII, validate, dedup) plus the split decision, run
 * synchronously per record. Sources feed it; writers and the streaming API consume its outcomes.
 */
export class Pipeline {
  readonly stats: ExportStats = createExportStats();
  private readonly config: ExportConfig;
  private readonly filter: ((record: Record<string, unknown>) => boolean) | undefined;
  private readonly include: string[] | undefined;
  private readonly exclude: string[] | undefined;
  private readonly mapper: Mapper;
  private readonly renderer: Renderer;
  private readonly weighter: Weighter | undefined;
  private readonly quality: QualityFilter;
  private readonly pii: PiiStage;
  private readonly validator: SampleValidator | undefined;
  private readonly rejectInvalid: boolean;
  private readonly sink: SampleSink | undefined;
  private readonly exactKeys: ExactKeyTable | undefined;
  private readonly nearDup: NearDupIndex | undefined;
  /** Refs of the samples that reached dedup, by ordinal. */
  private readonly dedupRefs = new RefTable();
  private readonly includeRecord: boolean;
  private readonly idField: string | undefined;
  private readonly partition: { index: number; count: number } | undefined;
  private readonly splitSeed: number;
  private readonly validationCut: number;
  private readonly testCut: number;

  constructor(config: ExportConfig, ctx: PipelineContext) {
    this.config = config;
    this.filter = config.filter !== undefined && config.filter.trim() !== '' ? compileFilter(config.filter) : undefined;
    this.include = config.include_fields.length > 0 ? config.include_fields : undefined;
    this.exclude = config.exclude_fields.length > 0 ? config.exclude_fields : undefined;
    this.mapper = new Mapper(config);
    this.renderer = new Renderer(config, this.mapper.customKeys);
    this.weighter = config.weighting.enabled ? new Weighter(config, ctx.startedAt) : undefined;
    this.quality = new QualityFilter(config);
    this.pii = new PiiStage(config, ctx.env);
    this.validator = ctx.validator;
    this.rejectInvalid = config.structured_gen.reject_invalid_samples;
    this.sink = ctx.sink;
    this.exactKeys = config.dedup.exact ? new ExactKeyTable() : undefined;
    this.nearDup = config.dedup.near ? createNearDupIndex({ threshold: config.dedup.near_threshold }) : undefined;
    this.includeRecord = config.output.rejects_include_record;
    this.idField = config.split.id_field;
    this.partition = config.partition;
    this.splitSeed = config.split.seed;
    this.validationCut = config.split.validation;
    this.testCut = config.split.validation + config.split.test;
    if (config.style === 'custom' && this.mapper.customKeys.length === 0) {
      throw new ExportError('EXPORT_MAPPING_INVALID', 'style "custom" needs format.custom: a map of output keys to record paths or templates');
    }
    if (config.style === 'custom' && this.mapper.responseIndex < 0) {
      throw new ExportError(
        'EXPORT_MAPPING_INVALID',
        `format.response_key "${config.format.response_key ?? ''}" is not one of the keys of format.custom`,
      );
    }
  }

  /** Run one source item through every stage. */
  handle(item: SourceItem): Outcome {
    const record = item.record;
    const id = this.idOf(item);
    if (this.partition && Math.floor(unitHash('partition', id) * this.partition.count) !== this.partition.index) {
      this.stats.otherPartitions++;
      return undefined;
    }
    this.stats.read++;
    if (item.issue || record === undefined) {
      const issue = item.issue;
      return this.reject(item, undefined, 'source', issue?.code ?? 'parse', issue?.message ?? 'the source yielded no record');
    }

    // 2. Select
    if (this.filter && !this.filter(record)) {
      return this.reject(item, record, 'select', 'filtered_out', `does not match the filter ${JSON.stringify(this.config.filter)}`);
    }
    const selected = this.include || this.exclude ? selectFields(record, this.include, this.exclude) : record;

    // 3. Map
    const mapped = this.mapper.map(selected);
    if (!isDraft(mapped)) {
      if (mapped.code === 'missing_field' && this.exclude && this.isExcluded(mapped.field)) {
        return this.reject(
          item,
          record,
          'select',
          'required_field_excluded',
          `field "${mapped.field}" is required by style "${this.config.style}" but listed in exclude_fields`,
        );
      }
      return this.reject(item, record, 'map', mapped.code, mapped.message);
    }
    const draft = mapped;
    const responseIndex = this.mapper.responseIndex;
    let response = responseText(draft, responseIndex);
    const responseChars = countCodePoints(response);

    // 4. Weight (on the response before redaction: placeholders must not change a sample's weight)
    if (this.weighter) {
      const weight = this.weighter.weigh(selected, responseChars);
      if (typeof weight !== 'number') return this.reject(item, record, 'weight', weight.code, weight.message);
      draft.weight = weight;
    }

    // 5. Filter
    const prompt = this.quality.needsPrompt ? promptText(draft, responseIndex) : '';
    const failure = this.quality.check(prompt, response, responseChars);
    if (failure) return this.reject(item, record, 'filter', failure.code, failure.message);

    // 6. PII
    if (this.pii.active) {
      const found = this.pii.apply(draft, responseIndex);
      if (found.count > 0) {
        this.stats.piiFound++;
        if (this.config.pii.policy === 'reject') {
          return this.reject(item, record, 'pii', 'pii_detected', `contains personal data: ${found.types.join(', ')}`);
        }
        response = responseText(draft, responseIndex);
      }
    }

    // 7. Validate
    const sample = this.renderer.toObject(draft);
    let issues: PipelineIssue[] | undefined;
    if (this.validator) {
      const result = this.validator.validate(sample);
      if (!result.success) {
        if (this.rejectInvalid) {
          const detail = result.issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
          return this.reject(item, record, 'validate', 'schema_invalid', `does not match structured_gen.json_schema: ${detail}`);
        }
        this.stats.invalidKept++;
        issues = result.issues;
      }
    }

    // 8. Dedup. Every sample reaching this stage gets an ordinal and its ref is kept, so a duplicate can name the
    // record it duplicates.
    const line = JSON.stringify(sample);
    const ordinal = this.dedupRefs.length;
    this.dedupRefs.push(item.ref);
    let keyHi = 0;
    let keyLo = 0;
    if (this.exactKeys) {
      const hex = this.exactKey(sample, line);
      // Two 52-bit halves of the SHA-256 in a typed-array table: no key strings held, 104 bits compared.
      keyHi = Number.parseInt(hex.slice(0, 13), 16);
      keyLo = Number.parseInt(hex.slice(13, 26), 16);
      const exactFirst = this.exactKeys.find(keyHi, keyLo);
      if (exactFirst >= 0) {
        this.stats.duplicates++;
        return this.reject(item, record, 'dedup', 'exact_duplicate', 'exact duplicate of an earlier sample', this.dedupRefs.get(exactFirst));
      }
    }
    if (this.nearDup) {
      const match = this.nearDup.add(ordinal, `${promptText(draft, responseIndex)}\n${response}`);
      if (match) {
        this.stats.duplicates++;
        return this.reject(
          item,
          record,
          'dedup',
          'near_duplicate',
          `near duplicate (similarity ${match.similarity.toFixed(2)}) of an earlier sample`,
          this.dedupRefs.get(match.duplicateOf),
        );
      }
    }

    // Registered only now, so a near duplicate dropped above is never named as the original of a later copy.
    this.exactKeys?.add(keyHi, keyLo, ordinal);

    // 9. Split
    const split = this.splitOf(id);
    this.stats.exported++;
    this.stats.exportedBySplit[split] = (this.stats.exportedBySplit[split] ?? 0) + 1;
    this.stats.bytesWritten += Buffer.byteLength(line) + 1;
    if (this.sink) {
      const info: { line?: number; issues?: PipelineIssue[] } = {};
      if (item.line !== undefined) info.line = item.line;
      if (issues) info.issues = issues;
      this.sink.add(sample, line, info);
    }
    return { kind: 'line', split, line, id };
  }

  /** The split of a record id: a seeded hash, so re-runs and partitions agree. */
  splitOf(id: string): string {
    if (this.testCut <= 0) return 'train';
    const u = unitHash(this.splitSeed, id);
    return u < this.validationCut ? 'validation' : u < this.testCut ? 'test' : 'train';
  }

  private idOf(item: SourceItem): string {
    if (this.idField !== undefined && item.record) {
      const value = getPath(item.record, this.idField);
      if (value !== undefined && value !== null) return typeof value === 'string' ? value : JSON.stringify(value);
    }
    return item.ref;
  }

  private exactKey(sample: Record<string, unknown>, line: string): string {
    let key: string;
    try {
      key = canonicalKey(sample);
    } catch {
      // Custom shapes are not a format quality-metrics knows: fall back to the exact bytes of the line.
      key = sha256Hex(line);
    }
    return key;
  }

  private isExcluded(field: string): boolean {
    for (const e of this.exclude ?? []) if (field === e || field.startsWith(`${e}.`)) return true;
    return false;
  }

  private reject(
    item: SourceItem,
    record: Record<string, unknown> | undefined,
    stage: ExportStage,
    code: string,
    message: string,
    duplicateOf?: string,
  ): RejectOutcome {
    const stats = this.stats;
    stats.rejected++;
    stats.rejectedByStage[stage] = (stats.rejectedByStage[stage] ?? 0) + 1;
    const key = `${stage}/${code}`;
    stats.rejectedByCode[key] = (stats.rejectedByCode[key] ?? 0) + 1;
    const reject: RejectEntry = { ref: item.ref, stage, code, message };
    if (item.line !== undefined) reject.line = item.line;
    if (duplicateOf !== undefined) reject.duplicate_of = duplicateOf;
    if (record !== undefined && this.includeRecord) reject.record = record;
    if (ERROR_STAGES.has(stage)) {
      stats.errors++;
      const where = item.line !== undefined ? `${item.ref} (line ${item.line})` : item.ref;
      if (!this.config.continue_on_error) {
        throw new ExportError('EXPORT_RECORD_FAILED', `${where}: ${stage}: ${message} (continue_on_error is false)`);
      }
      const max = this.config.max_errors;
      if (max !== undefined && stats.errors >= max) {
        throw new ExportError(
          'EXPORT_MAX_ERRORS',
          `stopped after ${stats.errors} failed records (max_errors ${max}); the last: ${where}: ${stage}: ${message}`,
        );
      }
    }
    return { kind: 'reject', reject };
  }
}

function isDraft(value: Draft | MapFailure): value is Draft {
  return 'turns' in value;
}
