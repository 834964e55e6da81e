/** Pipeline stages, in order. A rejected record names the stage that stopped it. */
export type ExportStage = 'source' | 'select' | 'map' | 'weight' | 'filter' | 'pii' | 'validate' | 'dedup';

/** The pipeline stages in the order records pass through them. */
export const EXPORT_STAGES: readonly ExportStage[] = [
  'source',
  'select',
  'map',
  'weight',
  'filter',
  'pii',
  'validate',
  'dedup',
];

/** One line of `rejects.jsonl`: a record that was not exported, and why. */
export interface RejectEntry {
  /** Stable reference of the record: `file:line`, or a table key. */
  ref: string;
  /** 1-based physical line in the source file, when it has lines. */
  line?: number;
  /** The stage that stopped the record. */
  stage: ExportStage;
  /** Machine-readable reason, e.g. `parse`, `missing_field`, `too_short`, `exact_duplicate`. */
  code: string;
  /** What happened, naming the field where one is at fault. */
  message: string;
  /** For duplicates: ref of the first occurrence, which was kept. */
  duplicate_of?: string;
  /** The source record (when `output.rejects_include_record` is on and the record was parsed). */
  record?: Record<string, unknown>;
}

/** Counters of one export run. Invariant: `read = exported + rejected`; blank lines are counted apart. */
export interface ExportStats {
  /** Records (and unparseable lines) read from the source in this run's partition. */
  read: number;
  /** Records written, all splits together. */
  exported: number;
  /** Records written per split (`train`, `validation`, `test`). */
  exportedBySplit: Record<string, number>;
  /** Records not exported; each is a line of rejects.jsonl. */
  rejected: number;
  /** Rejections per stage. */
  rejectedByStage: Partial<Record<ExportStage, number>>;
  /** Rejections per `stage/code`, e.g. `filter/too_short`. */
  rejectedByCode: Record<string, number>;
  /** Rejections that count as errors against `max_errors` (source, map, weight and validate stages). */
  errors: number;
  /** Exact plus near duplicates removed. */
  duplicates: number;
  /** Samples that failed schema validation but were kept (`reject_invalid_samples: false`). */
  invalidKept: number;
  /** Samples in which PII was found (whatever the policy did with them). */
  piiFound: number;
  /** Blank lines skipped by the source (not records, not in `read`). */
  blankLines: number;
  /** Records that belong to another partition (not in `read`). */
  otherPartitions: number;
  /** Bytes of JSONL produced (uncompressed). */
  bytesWritten: number;
  /** Wall time of the run in milliseconds. */
  durationMs: number;
  /** `read / duration`. */
  recordsPerSecond: number;
}

/** Fresh zeroed stats. */
export function createExportStats(): ExportStats {
  return {
    read: 0,
    exported: 0,
    exportedBySplit: {},
    rejected: 0,
    rejectedByStage: {},
    rejectedByCode: {},
    errors: 0,
    duplicates: 0,
    invalidKept: 0,
    piiFound: 0,
    blankLines: 0,
    otherPartitions: 0,
    bytesWritten: 0,
    durationMs: 0,
    recordsPerSecond: 0,
  };
}
