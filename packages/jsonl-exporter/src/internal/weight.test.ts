import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from '../export-config.js';
import { countCodePoints as charLength } from '@lorakit/schema-validation';
import { parseTimestamp, Weighter } from './weight.js';

const NOW = '2026-07-01T00:00:00Z';
const DAY = 86_400_000;

function weigher(weighting: ExportConfigInput['weighting'] = {}): Weighter {
  const config = parseExportConfig({
    source: { type: 'jsonl', path: 'x.jsonl' },
    weighting: { timestamp_field: 'ts', now: NOW, ...weighting },
  });
  return new Weighter(config, Date.parse(NOW));
}

const daysAgo = (d: number) => new Date(Date.parse(NOW) - d * DAY).toISOString();

describe('Weighter (full mode)', () => {
  it('multiplies explicit x length factor x freshness, as in the README example', () => {
    // 1000 characters: 1 + min(0.5, 1000/2000) = 1.5; 180 days at half-life 180: 0.5 + 0.5 * 0.5 = 0.75.
    expect(weigher().weigh({ weight: 1, ts: daysAgo(180) }, charLength('x'.repeat(1000)))).toBe(1.125);
    expect(weigher().weigh({ weight: 1, ts: daysAgo(360) }, charLength('x'.repeat(200)))).toBeCloseTo(1.1 * 0.625, 6);
  });

  it('counts the response length in characters, not bytes', () => {
    // 1000 umlauts are 2000 UTF-8 bytes; 500 emoji are 1000 UTF-16 units and 2000 bytes.
    expect(weigher({ timestamp_field: undefined }).weigh({}, charLength('ü'.repeat(1000)))).toBe(1.5);
    expect(weigher({ timestamp_field: undefined }).weigh({}, charLength('🎨'.repeat(500)))).toBe(1.25);
  });

  it('caps the length factor at 1.5 and clamps the result to [min_weight, max_weight]', () => {
    expect(weigher().weigh({ weight: 1 }, charLength('x'.repeat(9000)))).toBe(1.5);
    expect(weigher().weigh({ weight: 3 }, charLength('x'))).toBe(2);
    expect(weigher().weigh({ weight: -1 }, charLength('x'))).toBe(0);
    expect(weigher({ max_weight: 10 }).weigh({ weight: 3 }, charLength('x'.repeat(2000)))).toBe(4.5);
  });

  it('gives future timestamps a freshness factor of 1', () => {
    expect(weigher({ length_factor: false }).weigh({ ts: '2027-01-01' }, charLength('x'))).toBe(1);
  });

  it('reads ISO dates, epoch seconds and epoch milliseconds as the same instant (never 1970)', () => {
    const at = Date.parse('2026-01-02T00:00:00Z');
    const w = weigher({ length_factor: false });
    const iso = w.weigh({ ts: '2026-01-02' }, charLength('x'));
    expect(w.weigh({ ts: at / 1000 }, charLength('x'))).toBe(iso);
    expect(w.weigh({ ts: at }, charLength('x'))).toBe(iso);
    expect(w.weigh({ ts: String(at / 1000) }, charLength('x'))).toBe(iso);
    expect(iso).toBeGreaterThan(0.5);
    expect(iso).toBeLessThan(1);
  });

  it('accepts numeric strings and rejects other weights naming the field', () => {
    expect(weigher({ length_factor: false }).weigh({ weight: '0.5' }, charLength('x'))).toBe(0.5);
    expect(weigher().weigh({ weight: 'heavy' }, charLength('x'))).toMatchObject({ code: 'invalid_weight', field: 'weight' });
    expect(weigher().weigh({ ts: 'last tuesday' }, charLength('x'))).toMatchObject({ code: 'invalid_timestamp', field: 'ts' });
  });
});

describe('Weighter (timestamps)', () => {
  it('reads a Date (PostgreSQL timestamptz, Parquet TIMESTAMP) as its instant', () => {
    const w = weigher({ length_factor: false });
    expect(w.weigh({ ts: new Date(daysAgo(180)) }, charLength('x'))).toBe(0.75);
    expect(w.weigh({ ts: new Date(Number.NaN) }, charLength('x'))).toMatchObject({ code: 'invalid_timestamp', field: 'ts' });
  });

  it('rejects a date that does not exist instead of rolling it over into the next month', () => {
    expect(weigher().weigh({ ts: '2025-02-30' }, charLength('x'))).toMatchObject({ code: 'invalid_timestamp', field: 'ts' });
    expect(weigher().weigh({ ts: '2025-04-31T10:00:00Z' }, charLength('x'))).toMatchObject({ code: 'invalid_timestamp' });
    expect(parseTimestamp('2024-02-29')).toBe(Date.parse('2024-02-29T00:00:00Z'));
  });

  it('refuses a reference time that is no date rather than falling back to the clock', () => {
    const config = parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' } });
    config.weighting.now = 'yesterday';
    expect(() => new Weighter(config, Date.parse(NOW))).toThrowError(expect.objectContaining({ code: 'EXPORT_CONFIG_INVALID' }));
  });
});

describe('Weighter (parity mode)', () => {
  it('reproduces the old system: explicit weight clamped to [0, 1], no factors', () => {
    const w = weigher({ mode: 'parity' });
    expect(w.weigh({ weight: 1.5, ts: daysAgo(400) }, charLength('x'.repeat(3000)))).toBe(1);
    expect(w.weigh({ weight: 0.3 }, charLength('x'.repeat(3000)))).toBe(0.3);
    expect(w.weigh({ weight: -2 }, charLength('x'))).toBe(0);
    expect(w.weigh({}, charLength('x'))).toBe(1);
  });
});

describe('parseTimestamp', () => {
  it('reads a zone-less date-time as UTC and refuses loose text', () => {
    expect(parseTimestamp('2026-01-01T12:00:00')).toBe(Date.parse('2026-01-01T12:00:00Z'));
    expect(parseTimestamp('2026-01-01 12:00:00+02:00')).toBe(Date.parse('2026-01-01T10:00:00Z'));
    expect(parseTimestamp('Jan 1 2026')).toBeUndefined();
    expect(parseTimestamp(true)).toBeUndefined();
  });

  it('refuses a bare year or compact date, which read as epoch seconds would be 1970', () => {
    for (const v of ['20251201', '2025', 20251201, 2025, ' 20251201 ']) expect(parseTimestamp(v), String(v)).toBeUndefined();
    // Real epoch values keep working, as seconds and as milliseconds, numbers and strings.
    expect(parseTimestamp(1764547200)).toBe(Date.parse('2025-12-01T00:00:00Z'));
    expect(parseTimestamp('1764547200000')).toBe(Date.parse('2025-12-01T00:00:00Z'));
    const w = new Weighter(parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' }, weighting: { timestamp_field: 'ts', now: '2026-01-01' } }), 0);
    expect(w.weigh({ ts: '20251201' }, 1)).toMatchObject({ code: 'invalid_timestamp', message: expect.stringContaining('is ambiguous: a year or a compact date') as unknown });
  });
});
