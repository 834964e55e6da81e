import type { ExportConfig } from '../export-config.js';
import { ExportError } from '../errors.js';
import { getPath } from '../select/index.js';
import { instantOf, parseIsoInstant } from '../select/compare-values.js';

const DAY_MS = 86_400_000;
const NUMERIC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Epoch values above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
const EPOCH_MS_THRESHOLD = 1e11;
// 4 or 8 digits: a year or an ISO 8601 basic date (20251201) as much as epoch seconds, which would put it in 1970.
const COMPACT_DATE_RE = /^\d{4}(?:\d{4})?$/;

/** Whether a timestamp value is a bare 4- or 8-digit number, which reads as a year or a compact date as well as epoch seconds. */
export function isAmbiguousTimestamp(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && COMPACT_DATE_RE.test(String(value));
  // Length first: an ISO timestamp is longer, and this runs on every record's timestamp.
  return typeof value === 'string' && value.length <= 12 && COMPACT_DATE_RE.test(value.trim());
}

/** Why a weight could not be computed. */
export interface WeightFailure {
  code: 'invalid_weight' | 'invalid_timestamp';
  field: string;
  message: string;
}

/**
 * Parse a timestamp given as a Date (database and Parquet timestamps), ISO 8601 text or epoch seconds /
 * milliseconds (number or numeric string). ISO text is read as the filter reads it: no offset means UTC, and a
 * date that does not exist (`2025-02-30`) is no timestamp rather than a day in March. A bare 4- or 8-digit number
 * (`2025`, `20251201`) is no timestamp either: read as epoch seconds it would be a moment of 1970, silently giving the
 * lowest freshness to what is most likely a year or a compact date.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (isAmbiguousTimestamp(value)) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    return Math.abs(value) >= EPOCH_MS_THRESHOLD ? value : value * 1000;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (NUMERIC_RE.test(text)) return parseTimestamp(Number(text));
    return instantOf(text);
  }
  return value instanceof Date ? instantOf(value) : undefined;
}

/**
 * weight = explicit x length_factor x freshness_factor, clamped to [min_weight, max_weight];
 * parity mode: explicit clamped to [0, 1], nothing else.
 */
export class Weighter {
  private readonly cfg: ExportConfig['weighting'];
  private readonly now: number;

  constructor(config: ExportConfig, startedAt: number) {
    this.cfg = config.weighting;
    const now = config.weighting.now;
    const at = now === undefined ? startedAt : parseIsoInstant(now.trim());
    // parseExportConfig refuses such a value; a config built by hand must not fall back to the clock silently either.
    if (at === undefined) {
      throw new ExportError('EXPORT_CONFIG_INVALID', `weighting.now: ${JSON.stringify(now)} is not an ISO 8601 date or date-time`, {
        key: 'weighting.now',
      });
    }
    this.now = at;
  }

  /** The weight of a record whose response is `responseChars` characters long, or why there is none. */
  weigh(record: Record<string, unknown>, responseChars: number): number | WeightFailure {
    const cfg = this.cfg;
    const raw = getPath(record, cfg.weight_field);
    let explicit: number;
    if (raw === undefined || raw === null || raw === '') explicit = cfg.default_weight;
    else if (typeof raw === 'number') explicit = raw;
    else if (typeof raw === 'string' && NUMERIC_RE.test(raw.trim())) explicit = Number(raw);
    else {
      return {
        code: 'invalid_weight',
        field: cfg.weight_field,
        message: `field "${cfg.weight_field}" must be a number or numeric string, got ${JSON.stringify(raw)}`,
      };
    }
    if (!Number.isFinite(explicit)) {
      return { code: 'invalid_weight', field: cfg.weight_field, message: `field "${cfg.weight_field}" is not finite` };
    }
    if (cfg.mode === 'parity') return round(clamp(explicit, 0, 1));

    let weight = explicit;
    if (cfg.length_factor) weight *= 1 + Math.min(0.5, responseChars / 2000);
    if (cfg.timestamp_field !== undefined) {
      const value = getPath(record, cfg.timestamp_field);
      if (value !== undefined && value !== null && value !== '') {
        const at = parseTimestamp(value);
        if (at === undefined) {
          const why = isAmbiguousTimestamp(value)
            ? 'is ambiguous: a year or a compact date (YYYYMMDD) as much as epoch seconds in 1970; write it as an ISO 8601 date (2025-12-01) or full epoch seconds'
            : 'is not a valid ISO 8601 date or epoch seconds/milliseconds';
          return { code: 'invalid_timestamp', field: cfg.timestamp_field, message: `field "${cfg.timestamp_field}" ${why}: ${JSON.stringify(value)}` };
        }
        const ageDays = (this.now - at) / DAY_MS;
        // Future timestamps get 1: a clock skew must not make a sample weigh more than a fresh one.
        const freshness = ageDays <= 0 ? 1 : 0.5 + 0.5 * 2 ** (-ageDays / cfg.half_life_days);
        weight *= freshness;
      }
    }
    return round(clamp(weight, cfg.min_weight, cfg.max_weight));
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

// Six decimals keep lines short and byte-stable across platforms' float printing.
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
