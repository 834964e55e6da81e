import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { detectPii, phoneRegions, type DetectPiiOptions, type PiiType } from './detect-pii.js';
import { QualityMetricsError } from './errors.js';
import type { Issue } from './issue.js';
import { NearDupIndexImpl, candidateProbability, type NearDupOptions } from './near-dup-index.js';
import { isNormalizedSample, normalizeSample, type NormalizedSample, type Turn } from './normalize-sample.js';
import { UNRECOGNISED, digestNormalized, type SampleDigest } from './sample-digest.js';
import type { Distribution, QualityReport } from './quality-report.js';
import { REPORT_SCHEMA_VERSION } from './report-version.js';
import { DEFAULT_REFUSAL_PHRASES } from './refusal-phrases.js';
import type { Tokenizer } from './tokenizer.js';
import { CanonicalBytes } from './internal/canonical-bytes.js';
import { DistinctCounter, HLL_RELATIVE_ERROR } from './internal/distinct-counter.js';
import {
  DEFAULT_FLAG_THRESHOLDS,
  FLAG_CODES,
  characterRatios,
  charNgramRepetition,
  hasOpenFence,
  hasPlaceholder,
  hasSpecialToken,
  wordNgramRepetition,
  type FlagCode,
  type FlagThresholds,
} from './internal/heuristics.js';
import { HISTOGRAM_BUCKETS, LengthStats, SKETCH_RELATIVE_ACCURACY, type LengthStatsJson } from './internal/length-stats.js';
import { mtld } from './internal/mtld.js';
import { TopK } from './internal/top-k.js';
import { U64Table } from './internal/u64-table.js';
import { PromptResponses } from './internal/prompt-responses.js';
import { bytesAsBase64, jsonPieces, materialize } from './internal/state-json.js';
import { combine, fmix32, h32 } from './internal/xxhash.js';
import { countCodePoints } from '@lorakit/schema-validation/count-code-points';
import { splitWords } from './internal/words.js';

/** Why a sample was flagged, in the sidecar. `value` is the measured value, `threshold` the limit it crossed. */
export interface SampleReason {
  code: string;
  value: number | string | null;
  threshold: number | null;
}

/** One line of the per-sample sidecar (`samples.jsonl`). */
export interface SampleRecord {
  line: number;
  /** `invalid` (issues or unknown format), `duplicate` (exact or near), `flagged` (any other reason) or `ok`. */
  status: 'ok' | 'flagged' | 'duplicate' | 'invalid';
  reasons: SampleReason[];
  /** Line of the representative of the duplicate group or near-duplicate cluster this sample belongs to. */
  cluster?: number;
  /**
   * `false` on a valid sample outside the content sample (only when `sampleRate` < 1): its `reasons` hold only
   * exact-tier checks (duplicates, prompt conflicts, max_seq_len), never language, PII or heuristic flags.
   */
  measured?: false;
}

/** Options of {@link createQualityAccumulator}. */
export interface QualityAccumulatorOptions {
  /** Enables token lengths and truncation metrics; without it token metrics are absent, not guessed. */
  tokenizer?: Tokenizer;
  /** Training sequence length: with a tokenizer, the share over it and the response tokens truncation loses. */
  maxSeqLen?: number;
  /** Near-duplicate parameters, or `false` to skip near-duplicate detection (and its per-sample memory). @default {} */
  nearDup?: NearDupOptions | false;
  /**
   * Expected language codes (ISO 639-1, e.g. `['en', 'de']`; `EN` and `en-US` are read as `en`, another code is
   * refused); others count as mismatches. Empty: no expectation.
   */
  expectedLanguages?: string[];
  /**
   * Countries (ISO 3166-1 alpha-2, e.g. `['DE', 'AT']`) whose national phone numbers PII detection finds too
   * (`030 12345678`); see {@link DetectPiiOptions.phoneRegions}. @default []
   */
  phoneRegions?: string[];
  /** Texts shorter than this many code points get language `und`. @default 24 */
  languageMinChars?: number;
  /** Example line numbers kept per group, flag and type. @default 10 */
  maxExamples?: number;
  /** Duplicate groups, clusters and conflict groups listed in the report. @default 100 */
  maxGroups?: number;
  /** Refusal/boilerplate phrases (lower-case substrings of the response). @default DEFAULT_REFUSAL_PHRASES */
  refusalPhrases?: readonly string[];
  /** Thresholds of the ratio flags. @default DEFAULT_FLAG_THRESHOLDS */
  flagThresholds?: Partial<FlagThresholds>;
  /** Called once per added sample with its sidecar record; write it out to keep memory bounded. */
  onSample?: (record: SampleRecord) => void;
  /**
   * Share of valid samples that get the content metrics (word lengths, diversity, language, PII, heuristic flags),
   * in (0, 1]. Counts, character and token lengths, duplicates and prompt conflicts always cover every sample.
   * Selection is by content hash, not chance: a sample is measured when bits 64-95 of the SHA-256 of its canonical
   * text (the first 64 key exact duplicates), read as a fraction of 2^32, are below the rate, so reruns, shards and
   * duplicates get the same verdict. Shares in the content sections of the report are then over the measured
   * samples (`sampling.measured`).
   * @default 1
   */
  sampleRate?: number;
  /**
   * About how many samples will be added, when the caller can tell: the duplicate and prompt-conflict tables (12
   * bytes a slot, one entry per distinct sample) are made that size up front instead of growing as they fill,
   * which holds up to half as much again, and more while a table grows. A hint only: no result depends on it.
   */
  expectedSamples?: number;
}

/** Per-sample context of {@link QualityAccumulator.add}. */
export interface AddContext {
  /** 1-based line of the sample in its file. */
  line: number;
  /** Validation issues of the sample; a sample with any is invalid and only counted. */
  issues?: readonly Issue[];
}

/** A streaming, mergeable quality accumulator. */
export interface QualityAccumulator {
  /** Measures one sample (raw, in any known format, or already normalised). */
  add(sample: unknown, context: AddContext): void;
  /**
   * Measures one sample from its {@link SampleDigest} (made by `digestSample` where the sample was at hand, e.g.
   * another thread), giving the same report as `add(sample)`. The sample itself (raw or normalised) is needed only
   * when the digest cannot tell: when the content metrics measure it (`isMeasured(digest, sampleRate)`), with
   * near duplicates on, or with a tokenizer; otherwise it may be left out. Without it, an exact-duplicate group
   * first found on this sample has an empty example text.
   * @throws QualityMetricsError `METRICS_UNRECOGNISED_SAMPLE` when the sample is needed and missing.
   */
  addDigest(digest: SampleDigest, context: AddContext, sample?: unknown): void;
  /** Adds another accumulator's samples as if they had been added after this one's. Same options required. */
  merge(other: QualityAccumulator): void;
  /** Serialisable state (for shards computed elsewhere); restore it with {@link accumulatorFromJSON}. */
  toJSON(): AccumulatorState;
  /**
   * The text of `JSON.stringify(toJSON())` in chunks, for writing a large state to a file or a stream: the
   * per-sample tables are encoded a part (64 KiB of text) at a time, so neither they nor the whole text are ever held.
   */
  toJSONChunks(): Iterable<string>;
  /** The report of everything added so far. Does not change the accumulator. */
  report(): QualityReport;
}

/** The JSON state of an accumulator. Its layout is internal; only `stateVersion` is promised. */
export interface AccumulatorState {
  stateVersion: 3;
  [key: string]: unknown;
}

type SideName = 'prompt' | 'response' | 'total';
const SIDES: readonly SideName[] = ['prompt', 'response', 'total'];
const PII_TYPES: readonly PiiType[] = ['email', 'phone', 'iban', 'card', 'ipv4', 'ipv6'];
const ARRAY_INDEX_RE = /\/\d+(?=\/|$)/g;
const COMPRESS_BLOCK = 1 << 20;
const EXCERPT_CHARS = 240;

interface LineGroup {
  count: number;
  lines: number[];
}

interface SideStats {
  chars: LengthStats;
  words: LengthStats;
  tokens: LengthStats | undefined;
}

interface DiversityStats {
  ngrams: [number, number, number];
  distinct: [DistinctCounter, DistinctCounter, DistinctCounter];
}

interface ResolvedOptions {
  maxSeqLen: number | null;
  nearDup: NearDupOptions | false;
  expectedLanguages: string[] | null;
  phoneRegions: string[];
  languageMinChars: number;
  maxExamples: number;
  maxGroups: number;
  refusalPhrases: string[];
  flagThresholds: FlagThresholds;
  sampleRate: number;
}

// eld's extra-small n-gram database: ~40-80 µs per call against ~1-5 ms for tinyld on this machine, which would
// have made language detection 90% of the accumulator's time. The first 400 characters are enough for a verdict.
// Extra-small rather than small: eld's own benchmark puts it 0.1-0.4 points below its medium database on tweets and
// sentences (99.3% / 98.7%), far inside a sampled report's margin, and measured here it costs ~90 MB of RSS and
// 0.17 s to load where small costs ~150 MB and 0.33 s. Loaded on first use, which a process that only imports
// canonicalKey or detectPii (the exporter's main thread) never pays. eld is ESM-only; require(esm) needs Node 20.19+.
let eldDetector: { detect(text: string): { language: string; isReliable(): boolean } } | undefined;
function loadEld(): NonNullable<typeof eldDetector> {
  const require = createRequire(import.meta.url);
  return (require(fileURLToPath(import.meta.resolve('eld/extrasmall'))) as { eld: NonNullable<typeof eldDetector> }).eld;
}

function detectLanguage(text: string): string {
  eldDetector ??= loadEld();
  const result = eldDetector.detect(text.length > 400 ? text.slice(0, 400) : text);
  return result.language !== '' && result.isReliable() ? result.language : 'und';
}

function rate(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

/** A side's turns joined by '\n' as {@link Accumulator.measure} joins them: `assistant` = response side. */
function sideText(turns: readonly Turn[], assistant: boolean): string {
  let out = '';
  for (const t of turns) if ((t.role === 'assistant') === assistant) out += (out === '' ? '' : '\n') + t.text;
  return out;
}

function excerpt(turns: readonly Turn[]): string {
  let out = '';
  for (const t of turns) {
    out += (out === '' ? '' : '\n') + `${t.role}: ${t.text}`;
    if (out.length > EXCERPT_CHARS) break;
  }
  return out.length > EXCERPT_CHARS ? out.slice(0, EXCERPT_CHARS - 1) + '…' : out;
}

/**
 * Expected languages as the detector names them (ISO 639-1, lower case): `EN` and `en-US` mean `en`. A code that is
 * none ("english") would make every sample a mismatch, so it is refused; none at all is no expectation.
 */
function languageCodes(codes: readonly string[] | undefined, bad: (field: string, why: string) => never): string[] | null {
  if (codes === undefined) return null;
  const out = new Set<string>();
  for (const code of codes) {
    const primary = code.trim().toLowerCase().split(/[-_]/)[0] ?? '';
    if (primary === '' && code.trim() === '') continue;
    if (!/^[a-z]{2}$/.test(primary)) bad('expectedLanguages', `"${code}" is not an ISO 639-1 language code such as "en" or "de"`);
    out.add(primary);
  }
  return out.size > 0 ? [...out].sort() : null;
}

/** Phone regions as detectPii takes them, sorted (so that accumulators given them in another order merge). */
function regionCodes(codes: readonly string[] | undefined, bad: (field: string, why: string) => never): string[] {
  if (codes === undefined) return [];
  try {
    return phoneRegions(codes).sort();
  } catch (error) {
    return bad('phoneRegions', (error as Error).message);
  }
}

/** The keys of {@link QualityAccumulatorOptions}: a misspelt one (`sampelRate`) must not pass silently. */
const OPTION_KEYS: ReadonlySet<string> = new Set([
  'tokenizer', 'maxSeqLen', 'nearDup', 'expectedLanguages', 'phoneRegions', 'languageMinChars', 'maxExamples', 'maxGroups',
  'refusalPhrases', 'flagThresholds', 'onSample', 'sampleRate', 'expectedSamples',
] satisfies (keyof QualityAccumulatorOptions)[]);

function resolveOptions(o: QualityAccumulatorOptions): ResolvedOptions {
  const bad = (field: string, why: string): never => {
    throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `quality accumulator option ${field}: ${why}`);
  };
  for (const key of Object.keys(o)) if (!OPTION_KEYS.has(key)) bad(key, `unknown option (the options are ${[...OPTION_KEYS].join(', ')})`);
  const posInt = (v: number | undefined, field: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < 0) bad(field, `must be a non-negative integer, got ${v}`);
    return v;
  };
  if (o.maxSeqLen !== undefined && (!Number.isInteger(o.maxSeqLen) || o.maxSeqLen < 1)) bad('maxSeqLen', 'must be a positive integer');
  for (const key of Object.keys(o.flagThresholds ?? {})) {
    if (!(key in DEFAULT_FLAG_THRESHOLDS)) bad(`flagThresholds.${key}`, `unknown threshold (the thresholds are ${Object.keys(DEFAULT_FLAG_THRESHOLDS).join(', ')})`);
  }
  const flagThresholds = { ...DEFAULT_FLAG_THRESHOLDS, ...o.flagThresholds };
  for (const [k, v] of Object.entries(flagThresholds)) if (typeof v !== 'number' || !(v >= 0)) bad(`flagThresholds.${k}`, 'must be a number >= 0');
  const expected = o.expectedSamples;
  if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) bad('expectedSamples', `must be a non-negative integer, got ${String(expected)}`);
  const sampleRate = o.sampleRate ?? 1;
  if (typeof sampleRate !== 'number' || !(sampleRate > 0 && sampleRate <= 1)) bad('sampleRate', `must be a number in (0, 1], got ${String(sampleRate)}`);
  return {
    maxSeqLen: o.maxSeqLen ?? null,
    nearDup: o.nearDup ?? {},
    expectedLanguages: languageCodes(o.expectedLanguages, bad),
    phoneRegions: regionCodes(o.phoneRegions, bad),
    languageMinChars: posInt(o.languageMinChars, 'languageMinChars', 24),
    maxExamples: posInt(o.maxExamples, 'maxExamples', 10),
    maxGroups: posInt(o.maxGroups, 'maxGroups', 100),
    refusalPhrases: (o.refusalPhrases ?? DEFAULT_REFUSAL_PHRASES).map((p) => p.toLowerCase()),
    flagThresholds,
    sampleRate,
  };
}

function newSide(withTokens: boolean): SideStats {
  return { chars: new LengthStats(), words: new LengthStats(), tokens: withTokens ? new LengthStats() : undefined };
}

function newDiversity(): DiversityStats {
  return { ngrams: [0, 0, 0], distinct: [new DistinctCounter(), new DistinctCounter(), new DistinctCounter()] };
}

/** Implementation of {@link QualityAccumulator}; not exported from the package. */
class Accumulator implements QualityAccumulator {
  readonly opts: ResolvedOptions;
  readonly tokenizer: Tokenizer | undefined;
  readonly onSample: ((record: SampleRecord) => void) | undefined;
  private readonly refusalRe: RegExp | undefined;

  lines = 0;
  samples = 0;
  valid = 0;
  /** Valid samples that got the content tier. */
  measured = 0;
  invalid = 0;
  unrecognised = 0;
  formats = new Map<string, number>();
  issues = new Map<string, LineGroup & { code: string; path: string }>();
  sides: Record<SideName, SideStats>;
  samplesOver = 0;
  responseTokens = 0;
  responseTokensLost = 0;
  exactTable: U64Table;
  exactDuplicates = 0;
  exactGroups = new Map<number, LineGroup & { example: string }>();
  nearIndex: NearDupIndexImpl | undefined;
  nearExcerpts = new Map<number, string[]>();
  promptTable: U64Table;
  /** Per prompt-table entry: the response hash and the line of the prompt's first sample. */
  promptResp: PromptResponses;
  conflictSamples = 0;
  conflictGroups = new Map<number, LineGroup>();
  diversity: Record<'prompt' | 'response', DiversityStats> = { prompt: newDiversity(), response: newDiversity() };
  compressRaw = 0;
  compressGz = 0;
  pending = '';
  mtldSum = 0;
  mtldN = 0;
  openings = new TopK(1000);
  languages = new Map<string, number>();
  mismatches: LineGroup = { count: 0, lines: [] };
  piiSamples = 0;
  pii = new Map<PiiType, LineGroup & { spans: number }>(PII_TYPES.map((t) => [t, { spans: 0, count: 0, lines: [] }]));
  flags = new Map<FlagCode, LineGroup>(FLAG_CODES.map((c) => [c, { count: 0, lines: [] }]));
  private wordHashes = new Uint32Array(1024);
  private readonly piiSeen: PiiType[] = [];
  private readonly piiOptions: DetectPiiOptions;
  private readonly canonical = new CanonicalBytes();
  /** Sidecar reasons of the sample being added; allocated only when there is one and a sidecar wants it. */
  private reasons: SampleReason[] | undefined;
  /** A sample is measured when digest bits 64..95 (as a uint32) are below this: sampleRate * 2^32. */
  private readonly selectBelow: number;

  constructor(options: QualityAccumulatorOptions) {
    this.opts = resolveOptions(options);
    this.tokenizer = options.tokenizer;
    this.onSample = options.onSample;
    this.selectBelow = this.opts.sampleRate * 2 ** 32;
    this.piiOptions = this.opts.phoneRegions.length > 0 ? { phoneRegions: this.opts.phoneRegions } : {};
    // A sizing hint, not an option of the results: it stays out of `opts`, which merges compare and states keep.
    this.exactTable = new U64Table(options.expectedSamples);
    this.promptTable = new U64Table(options.expectedSamples);
    this.promptResp = new PromptResponses(options.expectedSamples);
    const withTokens = this.tokenizer !== undefined;
    this.sides = { prompt: newSide(withTokens), response: newSide(withTokens), total: newSide(withTokens) };
    // Verified: a pair counts when the exact Jaccard similarity of its shingle sets reaches the threshold. The MinHash
    // estimate alone, the best of up to 16 candidates each off by ±0.03, counted five times the near duplicates
    // there were on templated conversations (FastChat). The state keeps the shingles, so a restored or merged
    // accumulator verifies as well.
    if (this.opts.nearDup !== false) this.nearIndex = new NearDupIndexImpl({ ...this.opts.nearDup, verify: true });
    const phrases = this.opts.refusalPhrases;
    // One alternation compiled per accumulator, not per record.
    this.refusalRe = phrases.length === 0 ? undefined : new RegExp(phrases.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
  }

  private example(group: { lines: number[] }, line: number): void {
    if (group.lines.length < this.opts.maxExamples) group.lines.push(line);
  }

  add(sample: unknown, context: AddContext): void {
    const norm = isNormalizedSample(sample) ? sample : normalizeSample(sample);
    this.addDigest(norm === undefined ? UNRECOGNISED : digestNormalized(norm, this.canonical), context, norm);
  }

  private recordIssues(issues: NonNullable<AddContext['issues']>, line: number): void {
    for (const issue of issues) {
      const path = issue.path.replace(ARRAY_INDEX_RE, '/*');
      const key = `${issue.code}\u0000${path}`;
      let g = this.issues.get(key);
      if (g === undefined) this.issues.set(key, (g = { code: issue.code, path, count: 0, lines: [] }));
      g.count++;
      if (g.lines[g.lines.length - 1] !== line) this.example(g, line);
      this.reason(`issue:${issue.code}`, issue.path, null);
    }
  }

  addDigest(digest: SampleDigest, context: AddContext, sample?: unknown): void {
    if (typeof context !== 'object' || context === null) {
      throw new QualityMetricsError('METRICS_INVALID_OPTIONS', 'add: needs a context { line, issues? } with the sample\'s 1-based line');
    }
    if (context.issues !== undefined && !Array.isArray(context.issues)) {
      throw new QualityMetricsError('METRICS_INVALID_OPTIONS', 'add: context.issues must be an array of issues ({ code, path, message })');
    }
    const { line } = context;
    if (!Number.isSafeInteger(line) || line < 1) {
      throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `add: context.line must be a positive integer below 2^53, got ${String(line)}`);
    }
    this.samples++;
    if (line > this.lines) this.lines = line;
    this.reasons = undefined;
    const issues = context.issues;
    if (digest.format === null) {
      this.unrecognised++;
      this.invalid++;
      this.reason('unrecognised_format', null, null);
      // A line that did not parse, or is no object, says why in its issues: they are what finds it in the report.
      if (issues !== undefined) this.recordIssues(issues, line);
      this.emit(line, 'invalid', undefined, true);
      return;
    }
    this.formats.set(digest.format, (this.formats.get(digest.format) ?? 0) + 1);
    if (issues !== undefined && issues.length > 0) {
      this.invalid++;
      this.recordIssues(issues, line);
      this.emit(line, 'invalid', undefined, true);
      return;
    }
    this.valid++;
    // The sample is normalised only for what the digest cannot tell.
    let norm: NormalizedSample | undefined;
    const turns = (why: string): Turn[] => {
      norm ??= sample === undefined ? undefined : isNormalizedSample(sample) ? sample : normalizeSample(sample);
      if (norm === undefined) {
        throw new QualityMetricsError('METRICS_UNRECOGNISED_SAMPLE', `addDigest: line ${line} needs its sample (${why}), in the format of its digest`);
      }
      return norm.turns;
    };

    // Exact tier, for every valid sample: its digest holds the sides' code points and the keys of the canonical
    // text (what canonicalKey hashes), so a sampled accumulator stays cheap per record.
    const hasPrompt = digest.promptChars >= 0;
    const hasResponse = digest.responseChars >= 0;
    if (hasPrompt) this.sides.prompt.chars.add(digest.promptChars);
    if (hasResponse) this.sides.response.chars.add(digest.responseChars);
    this.sides.total.chars.add(Math.max(0, digest.promptChars) + Math.max(0, digest.responseChars));
    if (this.tokenizer !== undefined) this.addTokens(turns('token lengths'), hasPrompt, hasResponse);

    // Exact duplicates, on the first 64 bits of the SHA-256.
    const key = digest.key;
    let cluster: number | undefined;
    let duplicate = false;
    const first = this.exactTable.putIfAbsent(key[0], key[1], line);
    // The sample selection uses the next 32 bits: uniform, independent of the table key, and a function of the
    // content alone, so reruns, shards and machines select the same samples (and duplicates share their fate).
    const measured = key[2] < this.selectBelow;
    if (first >= 0) {
      duplicate = true;
      cluster = first;
      this.exactDuplicates++;
      let g = this.exactGroups.get(first);
      // Without its sample, a group first seen here has no example text.
      if (g === undefined) this.exactGroups.set(first, (g = { count: 0, lines: [], example: sample === undefined ? '' : excerpt(turns('an example')) }));
      g.count++;
      this.example(g, line);
      this.reason('exact_duplicate', first, null);
    } else if (this.nearIndex !== undefined) {
      const all = turns('near duplicates');
      // Without system turns, as the exporter's dedup.near compares: a system prompt every sample shares (often longer
      // than the sample) would make short samples alike.
      const conversation = all.filter((t) => t.role !== 'system');
      const match = this.nearIndex.add(line, sideText(conversation, false) + '\n' + sideText(conversation, true));
      if (match !== undefined) {
        duplicate = true;
        cluster = match.duplicateOf;
        let ex = this.nearExcerpts.get(match.duplicateOf);
        if (ex === undefined) this.nearExcerpts.set(match.duplicateOf, (ex = []));
        if (ex.length < 2) ex.push(excerpt(all));
        this.reason('near_duplicate', round(match.similarity), this.nearIndex.params.threshold);
      }
    }

    // Prompt conflicts: same prompt (everything before the last response), different last response.
    const conflict = digest.conflict;
    if (conflict !== null) {
      const [promptHi, promptLo, responseHash] = conflict;
      const idx = this.promptTable.putIfAbsent(promptHi, promptLo, this.promptResp.length);
      if (idx < 0) this.promptResp.push(responseHash, line);
      else if (this.promptResp.hash(idx) !== responseHash) {
        const firstLine = this.promptResp.line(idx);
        this.conflictSamples++;
        let g = this.conflictGroups.get(firstLine);
        if (g === undefined) this.conflictGroups.set(firstLine, (g = { count: 0, lines: [] }));
        g.count++;
        this.example(g, line);
        this.reason('prompt_conflict', firstLine, null);
      }
    }

    if (measured) {
      this.measured++;
      this.measure(turns('content metrics'), line, hasPrompt, hasResponse);
    }
    this.emit(line, duplicate ? 'duplicate' : undefined, cluster, measured);
  }

  /** Content tier: word lengths, diversity, language, PII and heuristic flags of one selected sample. */
  private measure(turns: readonly Turn[], line: number, hasPrompt: boolean, hasResponse: boolean): void {
    // Sides: prompt = system + user turns, response = assistant turns.
    let promptText = '';
    let responseText = '';
    let firstUser: string | undefined;
    let emptyTurn = false;
    let placeholder = false;
    let specialToken = false;
    let lastResponse: string | undefined;
    for (const t of turns) {
      if (t.role === 'assistant') {
        responseText += (responseText === '' ? '' : '\n') + t.text;
        lastResponse = t.text;
      } else {
        promptText += (promptText === '' ? '' : '\n') + t.text;
        if (t.role === 'user' && firstUser === undefined) firstUser = t.text;
      }
      if (t.text.trim() === '') emptyTurn = true;
      if (!placeholder && hasPlaceholder(t.text)) placeholder = true;
      if (!specialToken && hasSpecialToken(t.text)) specialToken = true;
    }
    const promptWords = splitWords(promptText);
    const responseWords = splitWords(responseText);
    if (hasPrompt) this.sides.prompt.words.add(promptWords.length);
    if (hasResponse) this.sides.response.words.add(responseWords.length);
    this.sides.total.words.add(promptWords.length + responseWords.length);

    // Diversity. The response last: addNgrams returns its shared buffer, which the word-repetition flag reads below.
    this.addNgrams(this.diversity.prompt, promptWords);
    const rHashes = this.addNgrams(this.diversity.response, responseWords);
    if (hasResponse) {
      this.pending += responseText + '\n';
      if (this.pending.length >= COMPRESS_BLOCK) this.flushCompression();
    }
    const th = this.opts.flagThresholds;
    if (responseWords.length >= th.minWords) {
      this.mtldSum += mtld(responseWords);
      this.mtldN++;
    }
    if (firstUser !== undefined) {
      const w = splitWords(firstUser);
      if (w.length > 0) this.openings.add(w.slice(0, 2).join(' '));
    }

    // Language.
    const langText = hasResponse ? responseText : promptText;
    const lang = countCodePoints(langText) < this.opts.languageMinChars ? 'und' : detectLanguage(langText);
    this.languages.set(lang, (this.languages.get(lang) ?? 0) + 1);
    if (this.opts.expectedLanguages !== null && lang !== 'und' && !this.opts.expectedLanguages.includes(lang)) {
      this.mismatches.count++;
      this.example(this.mismatches, line);
      this.reason('language_mismatch', lang, null);
    }

    // PII, per type in the order first seen (a reused list, not a Set per sample).
    const seen = this.piiSeen;
    seen.length = 0;
    for (const t of turns) {
      for (const span of detectPii(t.text, this.piiOptions)) {
        this.pii.get(span.type)!.spans++;
        if (!seen.includes(span.type)) seen.push(span.type);
      }
    }
    if (seen.length > 0) {
      this.piiSamples++;
      for (const type of seen) {
        const g = this.pii.get(type)!;
        g.count++;
        this.example(g, line);
        this.reason(`pii_${type}`, null, null);
      }
    }

    // Heuristic flags (measured on the response side).
    if (responseWords.length >= th.minWords) {
      const wr = wordNgramRepetition(responseWords, rHashes, 10);
      if (wr > th.wordRepetition) this.flag('word_repetition', line, wr, th.wordRepetition);
      const cr = charNgramRepetition(responseText, 10);
      if (cr > th.charRepetition) this.flag('char_repetition', line, cr, th.charRepetition);
      const ratios = characterRatios(responseText);
      if (ratios.alphanumeric < th.minAlphanumeric) this.flag('low_alphanumeric', line, ratios.alphanumeric, th.minAlphanumeric);
      if (ratios.special > th.maxSpecialCharacters) this.flag('special_characters', line, ratios.special, th.maxSpecialCharacters);
    }
    if (emptyTurn) this.flag('empty_turn', line, null, null);
    if (placeholder) this.flag('template_placeholder', line, null, null);
    if (specialToken) this.flag('special_token', line, null, null);
    if (this.refusalRe !== undefined && hasResponse) {
      const m = this.refusalRe.exec(responseText.toLowerCase());
      if (m !== null) this.flag('refusal', line, m[0], null);
    }
    if (lastResponse !== undefined && hasOpenFence(lastResponse)) this.flag('unterminated_response', line, null, null);
  }

  /** Adds a sidecar reason to the current sample; without a sidecar nothing is allocated. */
  private reason(code: string, value: number | string | null, threshold: number | null): void {
    if (this.onSample !== undefined) (this.reasons ??= []).push({ code, value, threshold });
  }

  private emit(line: number, status: 'invalid' | 'duplicate' | undefined, cluster: number | undefined, measured: boolean): void {
    if (this.onSample === undefined) return;
    const reasons = this.reasons ?? [];
    const record: SampleRecord = { line, status: status ?? (reasons.length > 0 ? 'flagged' : 'ok'), reasons };
    if (cluster !== undefined) record.cluster = cluster;
    // Only sampled runs mark unmeasured samples, so a full run's sidecar keeps its shape.
    if (!measured) record.measured = false;
    this.onSample(record);
  }

  private flag(code: FlagCode, line: number, value: number | string | null, threshold: number | null): void {
    const g = this.flags.get(code)!;
    g.count++;
    this.example(g, line);
    this.reason(code, typeof value === 'number' ? round(value) : value, threshold);
  }

  private addTokens(turns: readonly Turn[], hasPrompt: boolean, hasResponse: boolean): void {
    const tok = this.tokenizer!;
    let p = 0;
    let r = 0;
    let pos = 0;
    let lost = 0;
    const max = this.opts.maxSeqLen;
    for (const t of turns) {
      const n = tok.count(t.text);
      if (t.role === 'assistant') {
        r += n;
        if (max !== null) lost += Math.max(0, Math.min(n, pos + n - max));
      } else p += n;
      pos += n;
    }
    if (hasPrompt) this.sides.prompt.tokens!.add(p);
    if (hasResponse) this.sides.response.tokens!.add(r);
    this.sides.total.tokens!.add(p + r);
    if (max !== null) {
      this.responseTokens += r;
      this.responseTokensLost += lost;
      if (p + r > max) {
        this.samplesOver++;
        this.reason('over_max_seq_len', p + r, max);
      }
    }
  }

  private addNgrams(d: DiversityStats, words: string[]): Uint32Array {
    const n = words.length;
    if (this.wordHashes.length < n) this.wordHashes = new Uint32Array(n * 2);
    const wh = this.wordHashes;
    for (let i = 0; i < n; i++) {
      wh[i] = h32(words[i]!, 0);
      d.distinct[0].add(wh[i]!);
      if (i >= 1) d.distinct[1].add(fmix32(combine(wh[i - 1]!, wh[i]!)));
      if (i >= 2) d.distinct[2].add(fmix32(combine(combine(wh[i - 2]!, wh[i - 1]!), wh[i]!)));
    }
    d.ngrams[0] += n;
    d.ngrams[1] += Math.max(0, n - 1);
    d.ngrams[2] += Math.max(0, n - 2);
    return wh;
  }

  private flushCompression(): void {
    const raw = Buffer.from(this.pending, 'utf8');
    this.compressRaw += raw.length;
    this.compressGz += gzipSync(raw, { level: 6 }).length;
    this.pending = '';
  }

  merge(otherAcc: QualityAccumulator): void {
    if (!(otherAcc instanceof Accumulator) && typeof (otherAcc as Partial<QualityAccumulator> | null)?.toJSON !== 'function') {
      throw new QualityMetricsError('METRICS_INCOMPATIBLE_MERGE', 'merge: expected a quality accumulator (restore a saved state with accumulatorFromJSON first)');
    }
    const other = otherAcc instanceof Accumulator ? otherAcc : Accumulator.fromState(otherAcc.toJSON(), {});
    const mine = stateOptions(this.opts, this.tokenizer);
    const theirs = stateOptions(other.opts, other.tokenizer);
    const differ = (Object.keys(mine) as (keyof StateOptions)[]).filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]));
    if (differ.length > 0) {
      throw new QualityMetricsError('METRICS_INCOMPATIBLE_MERGE', `merge: both accumulators need the same options; these differ: ${differ.join(', ')}`);
    }
    const cap = this.opts.maxExamples;
    const mergeLines = (into: LineGroup, from: LineGroup): void => {
      into.count += from.count;
      into.lines = [...new Set([...into.lines, ...from.lines])].sort((a, b) => a - b).slice(0, cap);
    };
    this.lines = Math.max(this.lines, other.lines);
    this.samples += other.samples;
    this.valid += other.valid;
    this.measured += other.measured;
    this.invalid += other.invalid;
    this.unrecognised += other.unrecognised;
    for (const [k, v] of other.formats) this.formats.set(k, (this.formats.get(k) ?? 0) + v);
    for (const [k, g] of other.issues) {
      const mine = this.issues.get(k);
      if (mine === undefined) this.issues.set(k, { ...g, lines: [...g.lines] });
      else mergeLines(mine, g);
    }
    for (const s of SIDES) {
      const a = this.sides[s];
      const b = other.sides[s];
      a.chars.merge(b.chars);
      a.words.merge(b.words);
      if (a.tokens && b.tokens) a.tokens.merge(b.tokens);
    }
    this.samplesOver += other.samplesOver;
    this.responseTokens += other.responseTokens;
    this.responseTokensLost += other.responseTokensLost;

    // Exact duplicates: a representative of `other` whose key is known here becomes a duplicate, with its group.
    const nowDuplicate = new Set<number>();
    this.exactDuplicates += other.exactDuplicates;
    for (const [hi, lo, firstLine] of other.exactTable.entries()) {
      const mine = this.exactTable.putIfAbsent(hi, lo, firstLine);
      const theirs = other.exactGroups.get(firstLine);
      if (mine < 0) {
        if (theirs !== undefined) this.exactGroups.set(firstLine, { ...theirs, lines: [...theirs.lines] });
        continue;
      }
      nowDuplicate.add(firstLine);
      this.exactDuplicates++;
      let g = this.exactGroups.get(mine);
      if (g === undefined) this.exactGroups.set(mine, (g = { count: 0, lines: [], example: theirs?.example ?? '' }));
      mergeLines(g, { count: 1 + (theirs?.count ?? 0), lines: [firstLine, ...(theirs?.lines ?? [])] });
    }

    // Near duplicates: replay the other index's signatures in order, exactly as if its samples came after ours.
    if (this.nearIndex !== undefined && other.nearIndex !== undefined) {
      const theirExcerpts = new Map<number, string>();
      const membersOf = new Map(other.nearIndex.clusters(2).clusters.map((c) => [c.representative, c.members]));
      for (const [root, ex] of other.nearExcerpts) {
        const members = membersOf.get(root) ?? [];
        ex.forEach((text, i) => {
          if (members[i] !== undefined) theirExcerpts.set(members[i], text);
        });
      }
      for (const [id, sig, shingles] of other.nearIndex.entries()) {
        if (nowDuplicate.has(id)) continue;
        const match = this.nearIndex.addSignature(id, sig, shingles);
        const text = theirExcerpts.get(id);
        if (match !== undefined && text !== undefined) {
          let ex = this.nearExcerpts.get(match.duplicateOf);
          if (ex === undefined) this.nearExcerpts.set(match.duplicateOf, (ex = []));
          if (ex.length < 2) ex.push(text);
        }
      }
    }

    // Prompt conflicts: same rule as exact duplicates, on prompt keys.
    this.conflictSamples += other.conflictSamples;
    for (const [hi, lo, idx] of other.promptTable.entries()) {
      const rh = other.promptResp.hash(idx);
      const firstLine = other.promptResp.line(idx);
      const theirs = other.conflictGroups.get(firstLine);
      const mine = this.promptTable.putIfAbsent(hi, lo, this.promptResp.length);
      if (mine < 0) {
        this.promptResp.push(rh, firstLine);
        if (theirs !== undefined) this.conflictGroups.set(firstLine, { count: theirs.count, lines: [...theirs.lines] });
        continue;
      }
      const myFirst = this.promptResp.line(mine);
      const extra = this.promptResp.hash(mine) !== rh ? 1 : 0;
      this.conflictSamples += extra;
      if (extra === 0 && theirs === undefined) continue;
      let g = this.conflictGroups.get(myFirst);
      if (g === undefined) this.conflictGroups.set(myFirst, (g = { count: 0, lines: [] }));
      mergeLines(g, { count: extra + (theirs?.count ?? 0), lines: extra ? [firstLine, ...(theirs?.lines ?? [])] : [...(theirs?.lines ?? [])] });
    }

    for (const side of ['prompt', 'response'] as const) {
      const a = this.diversity[side];
      const b = other.diversity[side];
      for (let i = 0; i < 3; i++) {
        a.ngrams[i]! += b.ngrams[i]!;
        a.distinct[i]!.merge(b.distinct[i]!);
      }
    }
    this.compressRaw += other.compressRaw;
    this.compressGz += other.compressGz;
    this.pending += other.pending;
    if (this.pending.length >= COMPRESS_BLOCK) this.flushCompression();
    this.mtldSum += other.mtldSum;
    this.mtldN += other.mtldN;
    this.openings.merge(other.openings);
    for (const [k, v] of other.languages) this.languages.set(k, (this.languages.get(k) ?? 0) + v);
    mergeLines(this.mismatches, other.mismatches);
    this.piiSamples += other.piiSamples;
    for (const [t, g] of other.pii) {
      const mine = this.pii.get(t)!;
      mine.spans += g.spans;
      mergeLines(mine, g);
    }
    for (const [c, g] of other.flags) mergeLines(this.flags.get(c)!, g);
  }

  report(): QualityReport {
    const o = this.opts;
    const dist = (s: LengthStats): Distribution => {
      if (s.n === 0) {
        return { n: 0, mean: null, std: null, min: null, p50: null, p90: null, p95: null, p99: null, max: null, histogram: [] };
      }
      const mean = s.sum / s.n;
      let lo = 0;
      while (s.histogram[lo] === 0) lo++;
      let hi = HISTOGRAM_BUCKETS - 1;
      while (s.histogram[hi] === 0) hi--;
      const histogram = [];
      for (let i = lo; i <= hi; i++) {
        const from = i === 0 ? 0 : 2 ** (i - 1);
        histogram.push({ from, to: i === HISTOGRAM_BUCKETS - 1 ? null : i === 0 ? 1 : 2 ** i, count: s.histogram[i]! });
      }
      return {
        n: s.n,
        mean: round(mean),
        std: round(Math.sqrt(Math.max(0, s.sumSq / s.n - mean * mean))),
        min: s.min,
        p50: round(s.quantile(0.5)),
        p90: round(s.quantile(0.9)),
        p95: round(s.quantile(0.95)),
        p99: round(s.quantile(0.99)),
        max: s.max,
        histogram,
      };
    };
    const side = (s: SideStats) => ({
      chars: dist(s.chars),
      words: dist(s.words),
      ...(s.tokens ? { tokens: dist(s.tokens) } : {}),
    });
    const byCountThenLine = <T extends { count: number; representative: number }>(a: T, b: T) =>
      b.count - a.count || a.representative - b.representative;

    let nearDuplicates: QualityReport['nearDuplicates'] = null;
    if (this.nearIndex !== undefined) {
      const p = this.nearIndex.params;
      const summary = this.nearIndex.clusters(o.maxExamples);
      const sizeCounts = new Map<number, number>();
      for (const c of summary.clusters) sizeCounts.set(c.size, (sizeCounts.get(c.size) ?? 0) + 1);
      const buckets: [string, (n: number) => boolean][] = [
        ['2', (n) => n === 2], ['3', (n) => n === 3], ['4', (n) => n === 4], ['5-9', (n) => n >= 5 && n <= 9],
        ['10-99', (n) => n >= 10 && n <= 99], ['100+', (n) => n >= 100],
      ];
      nearDuplicates = {
        ...p,
        sCurve: [0.5, 0.7, 0.8, 0.9].map((j) => ({ jaccard: j, probability: round(candidateProbability(j, p.bands, p.rows)) })),
        indexed: this.nearIndex.size,
        duplicates: summary.duplicates,
        rate: rate(summary.duplicates, this.valid),
        clusterCount: summary.clusters.length,
        clusters: summary.clusters
          .map((c) => ({ ...c, count: c.size }))
          .sort(byCountThenLine)
          .slice(0, o.maxGroups)
          .map((c) => ({ representative: c.representative, size: c.size, members: c.members, examples: this.nearExcerpts.get(c.representative) ?? [] })),
        sizeHistogram: buckets.map(([size, test]) => ({
          size,
          count: [...sizeCounts].reduce((acc, [n, k]) => (test(n) ? acc + k : acc), 0),
        })),
      };
    }

    let gzBytes = this.compressGz;
    let rawBytes = this.compressRaw;
    if (this.pending !== '') {
      const raw = Buffer.from(this.pending, 'utf8');
      rawBytes += raw.length;
      gzBytes += gzipSync(raw, { level: 6 }).length;
    }
    const diversitySide = (d: DiversityStats) => ({
      ngrams: [...d.ngrams],
      distinct1: d.ngrams[0] === 0 ? null : round(d.distinct[0].count() / d.ngrams[0]),
      distinct2: d.ngrams[1] === 0 ? null : round(d.distinct[1].count() / d.ngrams[1]),
      distinct3: d.ngrams[2] === 0 ? null : round(d.distinct[2].count() / d.ngrams[2]),
      exact: d.distinct.every((c) => c.isExact),
    });
    const flagThreshold: Partial<Record<FlagCode, number>> = {
      word_repetition: o.flagThresholds.wordRepetition,
      char_repetition: o.flagThresholds.charRepetition,
      low_alphanumeric: o.flagThresholds.minAlphanumeric,
      special_characters: o.flagThresholds.maxSpecialCharacters,
    };
    const report: QualityReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: new Date().toISOString(),
      options: {
        maxExamples: o.maxExamples,
        maxSeqLen: o.maxSeqLen,
        tokenizer: this.tokenizer ? (this.tokenizer.name ?? 'custom') : null,
        languageMinChars: o.languageMinChars,
        expectedLanguages: o.expectedLanguages,
        phoneRegions: o.phoneRegions,
        sketchRelativeAccuracy: SKETCH_RELATIVE_ACCURACY,
        hllRelativeError: round(HLL_RELATIVE_ERROR),
        flagThresholds: { ...o.flagThresholds },
      },
      counts: {
        lines: this.lines,
        samples: this.samples,
        valid: this.valid,
        invalid: this.invalid,
        unrecognised: this.unrecognised,
        complianceRate: rate(this.valid, this.samples),
        formats: Object.fromEntries([...this.formats].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
      },
      sampling: { rate: o.sampleRate, measured: this.measured },
      issues: [...this.issues.values()]
        .sort((a, b) => b.count - a.count || (a.code + a.path < b.code + b.path ? -1 : 1))
        .map((g) => ({ code: g.code, path: g.path, count: g.count, lines: g.lines })),
      lengths: { prompt: side(this.sides.prompt), response: side(this.sides.response), total: side(this.sides.total) },
      exactDuplicates: {
        duplicates: this.exactDuplicates,
        rate: rate(this.exactDuplicates, this.valid),
        groupCount: this.exactGroups.size,
        groups: [...this.exactGroups]
          .map(([representative, g]) => ({ representative, count: g.count, lines: g.lines, example: g.example }))
          .sort(byCountThenLine)
          .slice(0, o.maxGroups),
      },
      nearDuplicates,
      promptConflicts: {
        prompts: this.conflictGroups.size,
        samples: this.conflictSamples,
        rate: rate(this.conflictSamples, this.valid),
        groups: [...this.conflictGroups]
          .map(([representative, g]) => ({ representative, count: g.count, lines: g.lines }))
          .sort(byCountThenLine)
          .slice(0, o.maxGroups),
      },
      diversity: {
        prompt: diversitySide(this.diversity.prompt),
        response: diversitySide(this.diversity.response),
        compressionRatio: gzBytes === 0 ? null : round(rawBytes / gzBytes),
        meanMtld: this.mtldN === 0 ? null : round(this.mtldSum / this.mtldN),
        mtldSamples: this.mtldN,
        topOpenings: this.openings.top(20).map(([opening, count]) => ({ opening, count, share: round(count / this.openings.total) })),
        openingsExact: !this.openings.pruned,
      },
      language: {
        minChars: o.languageMinChars,
        counts: [...this.languages]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([language, count]) => ({ language, count, share: round(count / this.measured) })),
        expected: o.expectedLanguages,
        mismatches: this.mismatches.count,
        // Over the samples whose language was told: `und` ones can be no mismatch, and would dilute the rate.
        mismatchRate: rate(this.mismatches.count, this.measured - (this.languages.get('und') ?? 0)),
        mismatchLines: this.mismatches.lines,
      },
      pii: {
        samples: this.piiSamples,
        rate: rate(this.piiSamples, this.measured),
        byType: PII_TYPES.map((type) => {
          const g = this.pii.get(type)!;
          return { type, spans: g.spans, samples: g.count, lines: g.lines };
        }),
      },
      flags: FLAG_CODES.map((code) => {
        const g = this.flags.get(code)!;
        return { code, count: g.count, share: rate(g.count, this.measured), threshold: flagThreshold[code] ?? null, lines: g.lines };
      }),
    };
    if (o.maxSeqLen !== null && this.tokenizer !== undefined) {
      report.truncation = {
        maxSeqLen: o.maxSeqLen,
        samplesOver: this.samplesOver,
        overMaxSeqLenRate: rate(this.samplesOver, this.valid),
        responseTokens: this.responseTokens,
        responseTokensLost: this.responseTokensLost,
        truncatedResponseTokenRate: rate(this.responseTokensLost, this.responseTokens),
      };
    }
    return report;
  }

  toJSON(): AccumulatorState {
    return materialize(this.stateTree());
  }

  *toJSONChunks(): Generator<string> {
    yield* jsonPieces(this.stateTree());
  }

  /** The state, with its per-sample tables as base64 made on demand (see Base64Parts). */
  private stateTree(): AccumulatorState {
    const lenJson = (s: SideStats) => ({ chars: s.chars.toJSON(), words: s.words.toJSON(), tokens: s.tokens?.toJSON() ?? null });
    const divJson = (d: DiversityStats) => ({ ngrams: d.ngrams, distinct: d.distinct.map((c) => c.toJSON()) });
    let near: unknown = null;
    const index = this.nearIndex;
    if (index !== undefined) {
      const ids: number[] = [];
      const shingleCounts: number[] = [];
      for (const [id, , sh] of index.entries()) {
        ids.push(id);
        shingleCounts.push(sh?.length ?? 0);
      }
      const signatures = bytesAsBase64(function* () {
        for (const [, sig] of index.entries()) yield new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
      });
      const shingles = bytesAsBase64(function* () {
        for (const [, , sh] of index.entries()) if (sh !== undefined) yield new Uint8Array(sh.buffer, sh.byteOffset, sh.byteLength);
      });
      near = { ids, signatures, shingleCounts, shingles, excerpts: [...this.nearExcerpts] };
    }
    return {
      stateVersion: 3,
      options: stateOptions(this.opts, this.tokenizer),
      counts: [this.lines, this.samples, this.valid, this.invalid, this.unrecognised, this.measured],
      formats: [...this.formats],
      issues: [...this.issues.values()],
      lengths: { prompt: lenJson(this.sides.prompt), response: lenJson(this.sides.response), total: lenJson(this.sides.total) },
      truncation: [this.samplesOver, this.responseTokens, this.responseTokensLost],
      exact: { table: this.exactTable.base64Parts(), duplicates: this.exactDuplicates, groups: [...this.exactGroups] },
      near,
      conflicts: { table: this.promptTable.base64Parts(), resp: this.promptResp.packed(), samples: this.conflictSamples, groups: [...this.conflictGroups] },
      diversity: { prompt: divJson(this.diversity.prompt), response: divJson(this.diversity.response) },
      compression: [this.compressRaw, this.compressGz, this.pending],
      mtld: [this.mtldSum, this.mtldN],
      openings: { counts: [...this.openings.counts], total: this.openings.total, pruned: this.openings.pruned },
      languages: [...this.languages],
      mismatches: this.mismatches,
      pii: { samples: this.piiSamples, byType: [...this.pii] },
      flags: [...this.flags],
    };
  }

  static fromState(state: AccumulatorState, extra: Pick<QualityAccumulatorOptions, 'tokenizer' | 'onSample'>): Accumulator {
    try {
      return Accumulator.restore(state, extra);
    } catch (cause) {
      if ((cause as { code?: string }).code?.startsWith('METRICS_')) throw cause;
      throw new QualityMetricsError('METRICS_INVALID_STATE', `accumulator state is not usable: ${(cause as Error).message}`, { cause });
    }
  }

  private static restore(state: AccumulatorState, extra: Pick<QualityAccumulatorOptions, 'tokenizer' | 'onSample'>): Accumulator {
    if ((state.stateVersion as number) === 1) {
      // Version 1 keyed prompt conflicts differently (SHA-256, now xxHash) and had no sampling: merging one would
      // silently miss conflicts across shards, so it is refused.
      throw new QualityMetricsError('METRICS_INVALID_STATE', 'the state was written by an older @lorakit/quality-metrics (stateVersion 1); recompute it with this version');
    }
    if ((state.stateVersion as number) === 2) {
      // Version 2 kept near-duplicate signatures without shingles: its samples could not be verified.
      throw new QualityMetricsError('METRICS_INVALID_STATE', 'the state was written by an older @lorakit/quality-metrics (stateVersion 2); recompute it with this version');
    }
    if (state.stateVersion !== 3) throw new QualityMetricsError('METRICS_INVALID_STATE', `unsupported stateVersion ${String(state.stateVersion)} (expected 3)`);
    // The state is trusted structurally: it is only ever produced by toJSON(); missing parts throw and are wrapped.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const s = state as any;
    const so = s.options as StateOptions;
    if (so.tokenizer !== null && extra.tokenizer === undefined) {
      throw new QualityMetricsError('METRICS_INVALID_STATE', `the state was computed with tokenizer ${so.tokenizer}; pass it to accumulatorFromJSON`);
    }
    const given = extra.tokenizer === undefined ? null : tokenizerId(extra.tokenizer);
    if (so.tokenizer !== null && given !== so.tokenizer) {
      throw new QualityMetricsError('METRICS_INVALID_STATE', `the state was computed with tokenizer ${so.tokenizer}, not ${String(given)}: their token counts would mix`);
    }
    const options: QualityAccumulatorOptions = {
      nearDup: so.nearDup,
      languageMinChars: so.languageMinChars,
      maxExamples: so.maxExamples,
      maxGroups: so.maxGroups,
      refusalPhrases: so.refusalPhrases,
      flagThresholds: so.flagThresholds,
      sampleRate: so.sampleRate,
      ...(so.maxSeqLen !== null ? { maxSeqLen: so.maxSeqLen } : {}),
      ...(so.expectedLanguages !== null ? { expectedLanguages: so.expectedLanguages } : {}),
      // States saved before phone regions existed measured without them.
      ...(so.phoneRegions !== undefined && so.phoneRegions.length > 0 ? { phoneRegions: so.phoneRegions } : {}),
      ...(so.tokenizer !== null && extra.tokenizer ? { tokenizer: extra.tokenizer } : {}),
      ...(extra.onSample ? { onSample: extra.onSample } : {}),
    };
    const a = new Accumulator(options);
    [a.lines, a.samples, a.valid, a.invalid, a.unrecognised, a.measured] = s.counts;
    a.formats = new Map(s.formats);
    a.issues = new Map(s.issues.map((g: { code: string; path: string }) => [`${g.code}\u0000${g.path}`, g]));
    for (const side of SIDES) {
      const j = s.lengths[side] as { chars: LengthStatsJson; words: LengthStatsJson; tokens: LengthStatsJson | null };
      a.sides[side] = {
        chars: LengthStats.fromJSON(j.chars),
        words: LengthStats.fromJSON(j.words),
        tokens: j.tokens === null ? undefined : LengthStats.fromJSON(j.tokens),
      };
    }
    [a.samplesOver, a.responseTokens, a.responseTokensLost] = s.truncation;
    a.exactTable.putAllBase64(s.exact.table);
    a.exactDuplicates = s.exact.duplicates;
    a.exactGroups = new Map(s.exact.groups);
    if (s.near !== null && a.nearIndex !== undefined) {
      const n = a.nearIndex.params.numHashes;
      const bytes = Buffer.from(s.near.signatures, 'base64');
      const ids = s.near.ids as number[];
      if (bytes.length !== ids.length * n * 2) throw new Error('near-duplicate signatures do not match their ids');
      const all = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      const counts = s.near.shingleCounts as number[];
      const shingleBytes = Buffer.from(s.near.shingles, 'base64');
      if (counts.length !== ids.length || shingleBytes.length !== counts.reduce((t, c) => t + c, 0) * 4) {
        throw new Error('near-duplicate shingles do not match their ids');
      }
      const shingles = new Uint32Array(shingleBytes.buffer.slice(shingleBytes.byteOffset, shingleBytes.byteOffset + shingleBytes.length));
      let at = 0;
      ids.forEach((id, i) => {
        const count = counts[i]!;
        a.nearIndex!.addSignature(id, all.subarray(i * n, (i + 1) * n), shingles.subarray(at, at + count));
        at += count;
      });
      a.nearExcerpts = new Map(s.near.excerpts);
    }
    a.promptTable.putAllBase64(s.conflicts.table);
    a.promptResp = PromptResponses.fromPacked(s.conflicts.resp);
    a.conflictSamples = s.conflicts.samples;
    a.conflictGroups = new Map(s.conflicts.groups);
    for (const side of ['prompt', 'response'] as const) {
      const d = s.diversity[side];
      a.diversity[side] = { ngrams: d.ngrams, distinct: d.distinct.map(DistinctCounter.fromJSON) };
    }
    [a.compressRaw, a.compressGz, a.pending] = s.compression;
    [a.mtldSum, a.mtldN] = s.mtld;
    a.openings.counts = new Map(s.openings.counts);
    a.openings.total = s.openings.total;
    a.openings.pruned = s.openings.pruned;
    a.languages = new Map(s.languages);
    a.mismatches = s.mismatches;
    a.piiSamples = s.pii.samples;
    a.pii = new Map(s.pii.byType);
    a.flags = new Map(s.flags);
    return a;
  }
}

/** The options a state carries: the resolved ones and the tokenizer's name. */
interface StateOptions extends ResolvedOptions {
  tokenizer: string | null;
}

function stateOptions(o: ResolvedOptions, tokenizer: Tokenizer | undefined): StateOptions {
  return { ...o, tokenizer: tokenizer ? tokenizerId(tokenizer) : null };
}

/** What a state and a merge know a tokenizer by (see Tokenizer.id). */
function tokenizerId(tokenizer: Tokenizer): string {
  return tokenizer.id ?? tokenizer.name ?? 'custom';
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Creates a streaming quality accumulator. Memory is bounded except for the duplicate and near-duplicate state,
 * which grows per sample: ~50 bytes per sample for exact duplicates and prompt conflicts (up to ~65 unless
 * `expectedSamples` sized their tables), plus, for near duplicates at the defaults (verified with each sample's
 * shingle hashes), ~0.8 KB per sample and 4 bytes per word: ~1.2 GB per million 100-word samples (disable with
 * `nearDup: false`). With `sampleRate` below 1,
 * the content metrics (and most of the time per sample) cover only that share of the samples.
 *
 * @example
 * const acc = createQualityAccumulator({ expectedLanguages: ['en'] });
 * for await (const { line, value, issues } of validateJsonl('train.jsonl', validator)) acc.add(value, { line, issues });
 * const report = acc.report();
 * console.log(renderText(report));
 */
export function createQualityAccumulator(options: QualityAccumulatorOptions = {}): QualityAccumulator {
  return new Accumulator(options);
}

/**
 * Restores an accumulator from {@link QualityAccumulator.toJSON} output (e.g. a shard computed on another
 * machine), ready to `merge` or `report`. Pass the same tokenizer when the state was computed with one.
 *
 * @throws QualityMetricsError `METRICS_INVALID_STATE` when the JSON is not such a state.
 */
export function accumulatorFromJSON(
  state: unknown,
  extra: Pick<QualityAccumulatorOptions, 'tokenizer' | 'onSample'> = {},
): QualityAccumulator {
  if (typeof state !== 'object' || state === null || !('stateVersion' in state)) {
    throw new QualityMetricsError('METRICS_INVALID_STATE', 'accumulatorFromJSON: expected an object with stateVersion (from toJSON())');
  }
  return Accumulator.fromState(state as AccumulatorState, extra);
}
