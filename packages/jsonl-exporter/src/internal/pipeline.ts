import { posix } from 'node:path';
import { canonicalKey, createNearDupIndex, digestSample, type NearDupIndex, type SampleDigest } from '@lorakit/quality-metrics';
import type { ExportConfig } from '../export-config.js';
import { ExportError } from '../errors.js';
import { createExportStats, type ExportStage, type ExportStats, type RejectEntry } from '../export-stats.js';
import { compileFilter, getPath, selectFields } from '../select/index.js';
import type { SourceItem } from '../sources/index.js';
import { refName } from '../sources/file-input.js';
import type { Draft } from './draft.js';
import { sha256Hex, unitHash } from './hash.js';
import { Mapper, nearDupText, responseText, type MapFailure } from './mapper.js';
import { PiiStage } from './pii.js';
import { QualityFilter } from './quality-filter.js';
import { ExactKeyTable } from './exact-key-table.js';
import { RefTable } from './ref-table.js';
import { Renderer } from './render.js';
import { countCodePoints } from '@lorakit/schema-validation';
import { Weighter } from './weight.js';
import { toText } from './text.js';

// Char codes ending the file part of a ref: `in.jsonl:17`, `in.json[3]`.
const COLON = 58;
const BRACKET = 91;

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

/** Receives every exported sample with its digest (the quality report). */
export interface SampleSink {
  add(sample: Record<string, unknown> | undefined, line: string, digest: SampleDigest, info: { line?: number; issues?: PipelineIssue[] }): void;
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

/** A record of another partition: counted apart, nothing else. */
export interface TransformedOther {
  kind: 'other';
}

/** A record a per-record stage rejected. `sourceLine` is its line in the source. */
export interface TransformedReject {
  kind: 'reject';
  ref: string;
  sourceLine?: number;
  stage: ExportStage;
  code: string;
  message: string;
  record?: Record<string, unknown>;
  /** Personal data was found (and the PII policy rejected the record). */
  pii?: boolean;
}

/** A record that passed stages 2-7: its output line and what dedup and the split need. */
export interface TransformedSample {
  kind: 'sample';
  ref: string;
  sourceLine?: number;
  id: string;
  split: string;
  /** The output JSON line. */
  line: string;
  /** UTF-8 bytes of the line with its newline. */
  bytes: number;
  /** Exact-dedup key halves (0 when exact dedup is off). */
  keyHi: number;
  keyLo: number;
  /** What the quality report needs of the sample (when the report is on). */
  digest?: SampleDigest;
  /** Text near-dedup compares (when near dedup is on). */
  nearText?: string;
  /** The sample object; absent when the transform ran in another thread (the sink parses `line` if it needs it). */
  sample?: Record<string, unknown>;
  pii?: boolean;
  /** Validation issues of a sample kept although invalid. */
  issues?: PipelineIssue[];
  /** The source record, for rejects.jsonl when dedup drops it and rejects_include_record is on. */
  record?: Record<string, unknown>;
}

/** An optional record field the config names, and what its absence from every record means. */
interface WatchedField {
  key: string;
  path: string;
  consequence: string;
}

/** The optional record fields a config names on purpose (a default left as it is is not watched). */
function watchedFields(config: ExportConfig): WatchedField[] {
  const out: WatchedField[] = [];
  const fm = config.field_mapping;
  const inputStyles = config.style === 'instruction' || config.style === 'chat' || config.style === 'sharegpt' || config.style === 'openai';
  if (inputStyles && fm.input_field !== 'input' && fm.input_field !== fm.instruction_field) {
    out.push({ key: 'field_mapping.input_field', path: fm.input_field, consequence: 'no sample got an input (context) from it' });
  }
  if (fm.system_field !== undefined) {
    out.push({ key: 'field_mapping.system_field', path: fm.system_field, consequence: 'no sample got a system prompt from it' });
  }
  if (config.split.id_field !== undefined) {
    out.push({ key: 'split.id_field', path: config.split.id_field, consequence: 'every record was split (and partitioned) by its ref instead, which moves when the input changes' });
  }
  const w = config.weighting;
  if (w.enabled && w.weight_field !== 'weight') {
    out.push({ key: 'weighting.weight_field', path: w.weight_field, consequence: `every record got weighting.default_weight (${w.default_weight})` });
  }
  if (w.enabled && w.mode !== 'parity' && w.timestamp_field !== undefined) {
    out.push({ key: 'weighting.timestamp_field', path: w.timestamp_field, consequence: 'no weight got a freshness factor' });
  }
  if (config.style !== 'openai' && config.style !== 'custom') {
    for (const path of config.format.metadata_fields) out.push({ key: 'format.metadata_fields', path, consequence: 'no sample\'s metadata has it' });
  }
  return out;
}

/** Whether a source's values are CSV cells, all text (a CSV file, or CSV on standard input). */
function textCells(source: ExportConfig['source']): boolean {
  if (source === undefined) return false;
  return source.type === 'csv' || (source.type === 'stdin' && source.format === 'csv');
}

/** What {@link Pipeline.transform} makes of one source item. */
export type Transformed = TransformedOther | TransformedReject | TransformedSample;

const OTHER_PARTITION: TransformedOther = { kind: 'other' };

/** Stages whose rejections are errors (count against max_errors); the others drop records on purpose. */
const ERROR_STAGES: ReadonlySet<ExportStage> = new Set(['source', 'map', 'weight', 'validate']);

/** Everything the pipeline needs besides the config. */
export interface PipelineContext {
  env: NodeJS.ProcessEnv;
  startedAt: number;
  validator?: SampleValidator | undefined;
  sink?: SampleSink | undefined;
  /**
   * Compute report digests although there is no sink here: a worker thread whose results feed the main thread's
   * sink. With a sink, digests are always computed; without either, none (exportRecords makes no report).
   */
  digests?: boolean | undefined;
  /** About how many records will reach dedup, when it can be told: its tables are made that size up front. */
  expectedRecords?: number | undefined;
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
  /**
   * Custom style: the exact-duplicate key is the SHA-256 of the line, every declared key in it. canonicalKey reads
   * only the keys of a known format (`text`, `prompt`/`completion`, …), so records differing in another key (a label)
   * would count as duplicates.
   */
  private readonly keyByLine: boolean;
  /** Samples get a report digest (see PipelineContext.digests). */
  private readonly digests: boolean;
  private readonly nearDup: NearDupIndex | undefined;
  /** Refs of the samples that reached dedup, by ordinal. */
  private readonly dedupRefs: RefTable;
  private readonly includeRecord: boolean;
  private readonly idField: string | undefined;
  /** The file part of the source's refs (`data/in.jsonl`) when ids name the file differently (`in.jsonl`). */
  private readonly refFile: string | undefined;
  private readonly idFile: string = '';
  private readonly partition: { index: number; count: number } | undefined;
  private readonly splitSeed: number;
  private readonly validationCut: number;
  private readonly testCut: number;
  /** Optional record fields the config names (see {@link watchedFields}), and whether any record had each. */
  private readonly watched: WatchedField[];
  readonly fieldsSeen: boolean[];
  private unseen: number;

  constructor(config: ExportConfig, ctx: PipelineContext) {
    this.config = config;
    this.filter = config.filter !== undefined && config.filter.trim() !== '' ? compileFilter(config.filter, { textCells: textCells(config.source) }) : undefined;
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
    this.dedupRefs = new RefTable(ctx.expectedRecords);
    this.exactKeys = config.dedup.exact ? new ExactKeyTable(ctx.expectedRecords) : undefined;
    this.keyByLine = config.style === 'custom';
    this.digests = ctx.sink !== undefined || ctx.digests === true;
    this.nearDup = config.dedup.near ? createNearDupIndex({ threshold: config.dedup.near_threshold }) : undefined;
    this.includeRecord = config.output.rejects_include_record;
    this.idField = config.split.id_field;
    if (config.source !== undefined && 'path' in config.source && config.source.type !== 'sqlite') {
      const name = refName(config.source.path);
      this.idFile = posix.basename(name);
      if (this.idFile !== name) this.refFile = name;
    }
    this.partition = config.partition;
    this.splitSeed = config.split.seed;
    this.validationCut = config.split.validation;
    this.testCut = config.split.validation + config.split.test;
    this.watched = watchedFields(config);
    this.fieldsSeen = this.watched.map(() => false);
    this.unseen = this.watched.length;
    if (config.style === 'custom' && this.mapper.customKeys.length === 0) {
      throw new ExportError('EXPORT_MAPPING_INVALID', 'style "custom" needs format.custom: a map of output keys to record paths or templates', {
        key: 'style',
      });
    }
    if (config.style === 'custom' && this.mapper.responseIndex < 0) {
      throw new ExportError(
        'EXPORT_MAPPING_INVALID',
        `format.response_key "${config.format.response_key ?? ''}" is not one of the keys of format.custom`,
        { key: 'format.response_key' },
      );
    }
  }

  /** Run one source item through every stage. */
  handle(item: SourceItem): Outcome {
    return this.admit(this.transform(item));
  }

  /**
   * Stages 2-7, the exact-dedup key and the split of one item: everything that depends on the record alone, so
   * worker threads can run it on their share of the input. Counts nothing and throws nothing (but a bug); its
   * result goes to {@link admit}, in input order.
   */
  transform(item: SourceItem): Transformed {
    try {
      return this.transformRecord(item);
    } catch (error) {
      // Mapping, rendering and digests recurse into the record: one nested thousands of levels deep overflows the
      // stack. That record fails alone (without its record, which could not be written either).
      if (!(error instanceof RangeError && error.message.includes('call stack'))) throw error;
      const message = 'the record is nested too deeply to process (it overflows the stack); flatten it or store the deep part as a string';
      return this.rejected(item, undefined, 'source', 'too_deep', message);
    }
  }

  private transformRecord(item: SourceItem): Transformed {
    const record = item.record;
    const id = this.idOf(item);
    if (this.partition && Math.floor(unitHash('partition', id) * this.partition.count) !== this.partition.index) {
      return OTHER_PARTITION;
    }
    if (item.issue || record === undefined) {
      const issue = item.issue;
      return this.rejected(item, undefined, 'source', issue?.code ?? 'parse', issue?.message ?? 'the source yielded no record');
    }

    if (this.unseen > 0) this.noteFields(record);

    // 2. Select
    if (this.filter && !this.filter(record)) {
      return this.rejected(item, record, 'select', 'filtered_out', `does not match the filter ${JSON.stringify(this.config.filter)}`);
    }
    const selected = this.include || this.exclude ? selectFields(record, this.include, this.exclude) : record;

    // 3. Map
    const mapped = this.mapper.map(selected);
    if (!isDraft(mapped)) {
      if (mapped.code === 'missing_field' && selected !== record && getPath(record, mapped.field) != null && getPath(selected, mapped.field) === undefined) {
        // The record has the field; include/exclude_fields took it away: a config mistake, not a bad record.
        const why = this.isExcluded(mapped.field) ? 'listed in exclude_fields' : this.notIncluded(mapped.field);
        return this.rejected(
          item,
          record,
          'select',
          'required_field_excluded',
          `field "${mapped.field}" is required by style "${this.config.style}" but ${why}`,
        );
      }
      return this.rejected(item, record, 'map', mapped.code, mapped.message);
    }
    const draft = mapped;
    const responseIndex = this.mapper.responseIndex;
    const response = responseText(draft, responseIndex);
    const responseChars = countCodePoints(response);

    // 4. Weight (on the response before redaction: placeholders must not change a sample's weight). Like the filter
    // and split.id_field it reads the whole record: include/exclude_fields shape the sample, not the pipeline's inputs.
    if (this.weighter) {
      const weight = this.weighter.weigh(record, responseChars);
      if (typeof weight !== 'number') return this.rejected(item, record, 'weight', weight.code, weight.message);
      draft.weight = weight;
    }

    // 5. Filter
    const failure = this.quality.check(draft, responseIndex, response, responseChars);
    if (failure) return this.rejected(item, record, 'filter', failure.code, failure.message);

    // 6. PII
    let pii = false;
    if (this.pii.active) {
      const found = this.pii.apply(draft, responseIndex);
      if (found.count > 0) {
        pii = true;
        if (this.config.pii.policy === 'reject') {
          const rejected = this.rejected(item, record, 'pii', 'pii_detected', `contains personal data: ${found.types.join(', ')}`);
          rejected.pii = true;
          return rejected;
        }
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
          return this.rejected(item, record, 'validate', 'schema_invalid', `does not match structured_gen.json_schema: ${detail}`);
        }
        issues = result.issues;
      }
    }

    const line = JSON.stringify(sample);
    const out: TransformedSample = { kind: 'sample', ref: item.ref, id, split: this.splitOf(id), line, bytes: Buffer.byteLength(line) + 1, keyHi: 0, keyLo: 0, sample };
    if (item.line !== undefined) out.sourceLine = item.line;
    if (pii) out.pii = true;
    if (issues) out.issues = issues;
    // With the report on, one digest serves it and exact dedup: its key is the canonical SHA-256 (canonicalKey).
    // Without, canonicalKey alone spares the prompt-conflict hashes only the report needs.
    let digest = this.digests ? digestSample(sample) : undefined;
    if (digest !== undefined && digest.format !== null && this.keyByLine) {
      // The report counts exact duplicates by the same key as dedup, or it would find some in a deduplicated export.
      const hex = sha256Hex(line);
      digest = { ...digest, key: [0, 8, 16, 24].map((at) => Number.parseInt(hex.slice(at, at + 8), 16)) as unknown as SampleDigest['key'] };
    }
    if (digest !== undefined) out.digest = digest;
    if (this.exactKeys) {
      // Two 52-bit halves of the SHA-256 for a typed-array table (which compares 96 of their bits): no key strings held.
      if (digest !== undefined && digest.format !== null) {
        const [k0, k1, k2, k3] = digest.key;
        out.keyHi = k0 * 2 ** 20 + (k1 >>> 12);
        out.keyLo = (k1 & 0xfff) * 2 ** 40 + k2 * 2 ** 8 + (k3 >>> 24);
      } else {
        const hex = digest === undefined && !this.keyByLine ? exactKey(sample, line) : sha256Hex(line);
        out.keyHi = Number.parseInt(hex.slice(0, 13), 16);
        out.keyLo = Number.parseInt(hex.slice(13, 26), 16);
      }
    }
    if (this.nearDup) out.nearText = nearDupText(draft);
    if (this.includeRecord) out.record = record;
    return out;
  }

  private noteFields(record: Record<string, unknown>): void {
    // Per record until every watched field was seen: a plain loop, no closure.
    for (let i = 0; i < this.watched.length; i++) {
      if (this.fieldsSeen[i] !== true && getPath(record, (this.watched[i] as WatchedField).path) != null) this.markSeen(i);
    }
  }

  /** Adds what another pipeline (a worker thread's) saw of the watched fields. */
  noteFieldsSeen(seen: readonly boolean[]): void {
    seen.forEach((yes, i) => {
      if (yes && this.fieldsSeen[i] !== true) this.markSeen(i);
    });
  }

  private markSeen(i: number): void {
    this.fieldsSeen[i] = true;
    this.unseen--;
  }

  /**
   * Warnings for optional fields the config names that no record had: a misspelt `input_field` or `split.id_field`
   * changes every sample (no context, splits by ref) without rejecting any, so nothing else would say so.
   */
  fieldWarnings(): string[] {
    if (this.stats.read === 0) return [];
    return this.watched.filter((_, i) => this.fieldsSeen[i] !== true).map((w) => `${w.key} "${w.path}" is in no record read: ${w.consequence}; check its spelling`);
  }

  /** Count a transformed item and decide its fate (8. dedup, errors, split counts), strictly in input order. */
  admit(t: Transformed): Outcome {
    if (t.kind === 'other') {
      this.stats.otherPartitions++;
      return undefined;
    }
    this.stats.read++;
    if (t.pii) this.stats.piiFound++;
    if (t.kind === 'reject') return this.reject(t, t.stage, t.code, t.message);

    // 8. Dedup. Every sample reaching this stage gets an ordinal and its ref is kept, so a duplicate can name the
    // record it duplicates.
    const ordinal = this.dedupRefs.length;
    this.dedupRefs.push(t.ref);
    if (this.exactKeys) {
      const exactFirst = this.exactKeys.find(t.keyHi, t.keyLo);
      if (exactFirst >= 0) {
        this.stats.duplicates++;
        return this.reject(t, 'dedup', 'exact_duplicate', 'exact duplicate of an earlier sample', this.dedupRefs.get(exactFirst));
      }
    }
    if (this.nearDup) {
      // Indexed only when kept, so a sample is only ever judged against kept ones; `nearest` is the kept sample it
      // is most similar to, with their exact shingle Jaccard similarity (>= near_threshold).
      const match = this.nearDup.addIfNew(ordinal, t.nearText ?? '');
      if (match) {
        this.stats.duplicates++;
        return this.reject(
          t,
          'dedup',
          'near_duplicate',
          `near duplicate (similarity ${match.similarity.toFixed(3)}) of an earlier sample`,
          this.dedupRefs.get(match.nearest),
        );
      }
    }

    // Registered only now, so a near duplicate dropped above is never named as the original of a later copy.
    this.exactKeys?.add(t.keyHi, t.keyLo, ordinal);

    // 9. Split
    const split = t.split;
    if (t.issues) this.stats.invalidKept++;
    this.stats.exported++;
    this.stats.exportedBySplit[split] = (this.stats.exportedBySplit[split] ?? 0) + 1;
    this.stats.bytesWritten += t.bytes;
    if (this.sink) {
      // A source without lines (a database, Parquet, a JSON array): the record's 1-based position in the source's
      // read order, counting every partition's records, so a partition's report lines are the whole run's.
      const info: { line: number; issues?: PipelineIssue[] } = { line: t.sourceLine ?? this.stats.read + this.stats.otherPartitions };
      if (t.issues) info.issues = t.issues;
      // Set by transform() here, or by a worker's, which computes digests for this sink (PipelineContext.digests).
      this.sink.add(t.sample, t.line, t.digest as SampleDigest, info);
    }
    return { kind: 'line', split, line: t.line, id: t.id };
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
      // As text: a database's Date or bigint id hashes like the same id read from a JSONL file.
      const text = toText(value);
      // An empty cell (CSV) or blank string is no id: hashed as one, every such record went to the same split.
      if (text !== undefined && text.trim() !== '') return text;
    }
    // Refs name the file as the config spells it (`data/in.jsonl:17`, `/abs/in.jsonl:17`); the id names it by its
    // base name (`in.jsonl:17`), so the split does not depend on where the command runs from.
    const ref = item.ref;
    const file = this.refFile;
    if (file !== undefined && ref.startsWith(file)) {
      const next = ref.charCodeAt(file.length);
      if (next === COLON || next === BRACKET) return this.idFile + ref.slice(file.length);
    }
    return ref;
  }

  /** A source record as rejects.jsonl copies it: redacted under the redact and reject PII policies. */
  redactRecord(record: Record<string, unknown>): Record<string, unknown> {
    return this.pii.redactRecord(record);
  }

  /** Why include_fields left `field` out: not listed, or only parts of it, which an array does not keep. */
  private notIncluded(field: string): string {
    const parts = (this.include ?? []).filter((path) => path.startsWith(`${field}.`));
    if (parts.length === 0) return 'not listed in include_fields';
    return `include_fields lists only parts of it (${parts.join(', ')}), and an array is kept or left out whole: list "${field}"`;
  }

  private isExcluded(field: string): boolean {
    for (const e of this.exclude ?? []) if (field === e || field.startsWith(`${e}.`)) return true;
    return false;
  }

  private rejected(
    item: SourceItem,
    record: Record<string, unknown> | undefined,
    stage: ExportStage,
    code: string,
    message: string,
  ): TransformedReject {
    const out: TransformedReject = { kind: 'reject', ref: item.ref, stage, code, message };
    if (item.line !== undefined) out.sourceLine = item.line;
    if (record !== undefined && this.includeRecord) out.record = this.pii.redactRecord(record);
    return out;
  }

  private reject(t: TransformedReject | TransformedSample, stage: ExportStage, code: string, message: string, duplicateOf?: string): RejectOutcome {
    const stats = this.stats;
    stats.rejected++;
    stats.rejectedByStage[stage] = (stats.rejectedByStage[stage] ?? 0) + 1;
    const key = `${stage}/${code}`;
    stats.rejectedByCode[key] = (stats.rejectedByCode[key] ?? 0) + 1;
    const reject: RejectEntry = { ref: t.ref, stage, code, message };
    if (t.sourceLine !== undefined) reject.line = t.sourceLine;
    if (duplicateOf !== undefined) reject.duplicate_of = duplicateOf;
    // Redacted as the export redacts (PII policies redact and reject): the rejects file must not keep it either. A
    // per-record stage's reject was redacted where it was made (rejected(), in a worker thread when there are some).
    if (t.record !== undefined) reject.record = t.kind === 'sample' ? this.pii.redactRecord(t.record) : t.record;
    if (ERROR_STAGES.has(stage)) {
      stats.errors++;
      const where = t.sourceLine !== undefined ? `${t.ref} (line ${t.sourceLine})` : t.ref;
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

/** canonicalKey of a sample; custom shapes, in no format quality-metrics knows, are keyed by the bytes of their line. */
function exactKey(sample: Record<string, unknown>, line: string): string {
  try {
    return canonicalKey(sample);
  } catch {
    return sha256Hex(line);
  }
}

function isDraft(value: Draft | MapFailure): value is Draft {
  return 'turns' in value;
}
