// Worker thread of a parallel export: runs the per-record stages (parse, select, map, weight, filter, PII,
// validate, dedup key, split) on blocks of whole JSONL lines and returns what it made of each line, in order. The
// main thread admits the results in input order (counts, errors, dedup) and writes them.
import { parentPort, workerData } from 'node:worker_threads';
import { readJsonl } from '@lorakit/schema-validation';
import type { SampleDigest } from '@lorakit/quality-metrics';
import type { ExportConfig } from '../export-config.js';
import { jsonlItem } from '../sources/jsonl-source.js';
import { DIGEST_WIDTH, readDigest, writeDigest } from './digest-columns.js';
import type { Transformed, TransformedReject, TransformedSample } from './pipeline.js';
import { preparePipeline } from './run-pipeline.js';

/** What the main thread starts a pipeline worker with. */
export interface PipelineWorkerData {
  config: ExportConfig;
  cwd: string;
  env: NodeJS.ProcessEnv;
  startedAt: number;
  /** Refs are `<prefix>:<line>`, as the single-threaded JSONL source names them. */
  prefix: string;
  maxLineLength: number;
  /** The main thread reports on the samples: compute their digests. */
  digests: boolean;
}

/** A block of input: whole lines from `firstLine`, or one line too long to hold (`tooLong` bytes). */
export interface BlockMessage {
  type: 'block';
  index: number;
  firstLine: number;
  bytes?: Uint8Array;
  tooLong?: number;
}

/**
 * The results of one block, in line order, in columns: a structured clone of one object per line cost more than
 * the stages themselves. `kinds` has one entry per item (see {@link ITEM_SAMPLE}); samples are spread over
 * `lines` (joined by newlines, which JSON lines never contain), `splits`, `nums` (keyHi, keyLo, bytes, line per
 * sample, then its report digest when `formats` is there) and the sparse `extras`; rejects are objects.
 */
export interface BlockResult {
  type: 'result';
  index: number;
  blankLines: number;
  kinds: Uint8Array;
  lines: string;
  splits: Uint8Array;
  nums: Float64Array;
  /** Record ids, only when shuffling needs them. */
  ids?: string[];
  /** Formats of the samples' report digests, only when the report is on. */
  formats?: SampleDigest['format'][];
  extras: [number, Pick<TransformedSample, 'pii' | 'issues' | 'nearText'>][];
  rejects: TransformedReject[];
  /** The worker pipeline's Pipeline.fieldsSeen so far. */
  fieldsSeen: boolean[];
}

export const ITEM_SAMPLE = 0;
export const ITEM_REJECT = 1;
export const ITEM_OTHER = 2;
export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
const NUMS = 4;

/** Packs the results of one block into a {@link BlockResult}. */
export function encode(
  index: number,
  blankLines: number,
  results: Transformed[],
  withIds: boolean,
  withDigests: boolean,
  fieldsSeen: boolean[] = [],
): BlockResult {
  const kinds = new Uint8Array(results.length);
  const samples = results.filter((t): t is TransformedSample => t.kind === 'sample');
  const splits = new Uint8Array(samples.length);
  const width = withDigests ? NUMS + DIGEST_WIDTH : NUMS;
  const nums = new Float64Array(samples.length * width);
  const formats: SampleDigest['format'][] = [];
  const lines: string[] = [];
  const ids: string[] = [];
  const extras: BlockResult['extras'] = [];
  const rejects: TransformedReject[] = [];
  let k = 0;
  results.forEach((t, i) => {
    if (t.kind === 'other') kinds[i] = ITEM_OTHER;
    else if (t.kind === 'reject') {
      kinds[i] = ITEM_REJECT;
      rejects.push(t);
    } else {
      kinds[i] = ITEM_SAMPLE;
      splits[k] = SPLIT_NAMES.indexOf(t.split as (typeof SPLIT_NAMES)[number]);
      nums[k * width] = t.keyHi;
      nums[k * width + 1] = t.keyLo;
      nums[k * width + 2] = t.bytes;
      nums[k * width + 3] = t.sourceLine ?? -1;
      if (withDigests) {
        const digest = t.digest as SampleDigest;
        formats.push(digest.format);
        writeDigest(nums, k * width + NUMS, digest);
      }
      lines.push(t.line);
      if (withIds) ids.push(t.id);
      if (t.pii || t.issues || t.nearText !== undefined) {
        const extra: Pick<TransformedSample, 'pii' | 'issues' | 'nearText'> = {};
        if (t.pii) extra.pii = true;
        if (t.issues) extra.issues = t.issues;
        if (t.nearText !== undefined) extra.nearText = t.nearText;
        extras.push([k, extra]);
      }
      k++;
    }
  });
  const out: BlockResult = { type: 'result', index, blankLines, kinds, lines: lines.join('\n'), splits, nums, extras, rejects, fieldsSeen };
  if (withIds) out.ids = ids;
  if (withDigests) out.formats = formats;
  return out;
}

/** The items of a {@link BlockResult} again, in line order (refs are rebuilt from `prefix` and the line). */
export function* decode(result: BlockResult, prefix: string): Generator<Transformed> {
  const extras = new Map(result.extras);
  const lines = result.lines;
  const formats = result.formats;
  const width = formats ? NUMS + DIGEST_WIDTH : NUMS;
  let at = 0;
  let k = 0;
  let r = 0;
  for (let i = 0; i < result.kinds.length; i++) {
    const kind = result.kinds[i];
    if (kind === ITEM_OTHER) yield { kind: 'other' };
    else if (kind === ITEM_REJECT) yield result.rejects[r++] as TransformedReject;
    else {
      const nl = lines.indexOf('\n', at);
      const line = nl === -1 ? lines.slice(at) : lines.slice(at, nl);
      at = nl + 1;
      const n = result.nums;
      const sourceLine = n[k * width + 3] as number;
      const t: TransformedSample = {
        kind: 'sample',
        ref: `${prefix}:${sourceLine}`,
        id: result.ids?.[k] ?? '',
        split: SPLIT_NAMES[result.splits[k] as number] as string,
        line,
        bytes: n[k * width + 2] as number,
        keyHi: n[k * width] as number,
        keyLo: n[k * width + 1] as number,
      };
      if (formats) t.digest = readDigest(n, k * width + NUMS, formats[k] as SampleDigest['format']);
      if (sourceLine >= 0) t.sourceLine = sourceLine;
      const extra = extras.get(k);
      if (extra) Object.assign(t, extra);
      k++;
      yield t;
    }
  }
}

const port = parentPort;
if (port) {
  const data = workerData as PipelineWorkerData;
  const ready = preparePipeline(data.config, { cwd: data.cwd, env: data.env, startedAt: data.startedAt, digests: data.digests });
  const tooLongMessage = (size: number) => `line is ${size} bytes, longer than maxLineLength (${data.maxLineLength}); it was skipped`;

  const withIds = data.config.split.shuffle;
  const withDigests = data.digests;
  const run = async (block: BlockMessage): Promise<BlockResult> => {
    const pipeline = await ready;
    const results: Transformed[] = [];
    if (block.tooLong !== undefined) {
      const line = block.firstLine;
      const issue = { code: 'line_too_long', path: '', message: tooLongMessage(block.tooLong), line };
      results.push(pipeline.transform({ ref: `${data.prefix}:${line}`, line, issue }));
      return encode(block.index, 0, results, withIds, withDigests, pipeline.fieldsSeen);
    }
    const reader = readJsonl([block.bytes as Uint8Array], { maxLineLength: data.maxLineLength, firstLine: block.firstLine });
    for await (const entry of reader) results.push(pipeline.transform(jsonlItem(entry, data.prefix)));
    return encode(block.index, reader.summary().blank, results, withIds, withDigests, pipeline.fieldsSeen);
  };

  // One block at a time, in arrival order.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (block: BlockMessage) => {
    queue = queue.then(async () => port.postMessage(await run(block)));
    queue.catch((error: unknown) => {
      // Surfaces as the worker's 'error' event on the main thread.
      setImmediate(() => {
        throw error;
      });
    });
  });
}
