import type { ExportConfig } from './export-config.js';
import type { ExportStats } from './export-stats.js';

/** Name of the manifest file in every output directory. */
export const MANIFEST_FILE = 'manifest.json';
/** Name of the quality accumulator state file, which mergePartitions combines. */
export const ACCUMULATOR_FILE = 'quality_accumulator.json';
/** Format tag of manifest.json. */
export const MANIFEST_FORMAT = 'lorakit-export-manifest/1';

/** A written file as listed in manifest.json (path relative to the output directory). */
export interface ManifestFile {
  /** Relative to the output directory. */
  path: string;
  /** `train`, `validation`, `test` or `rejects`. */
  split: string;
  bytes: number;
  records: number;
  sha256: string;
}

/** The content of manifest.json. */
export interface ExportManifest {
  format: typeof MANIFEST_FORMAT;
  /** The package that wrote it. */
  tool: { name: string; version: string };
  /** ISO 8601 time of writing. */
  created_at: string;
  /** The source's description (never a password). */
  source: string;
  /** This run's partition, or null. */
  partition: { index: number; count: number } | null;
  /**
   * The reference time of the freshness weights: `config.weighting.now`, or the start of the run when that is unset
   * (set `weighting.now` to it to reproduce the weights). Only with a freshness factor (`weighting.timestamp_field`);
   * in a merge, when every partition had the same.
   */
  weighting_now?: string;
  /** SHA-256 of `config` as JSON (also in adapter_metadata.json's provenance). */
  config_sha256: string;
  /** Data files and rejects.jsonl. */
  files: ManifestFile[];
  /** The other files written (reports, metadata, trainer configs). */
  artifacts: { path: string; bytes: number; sha256: string }[];
  stats: ExportStats;
  /** The parsed config, secrets replaced by `[redacted]`. */
  config: ExportConfig;
}

