const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DEC = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 12,345 or 12.35; "–" for not measured. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return Number.isInteger(v) ? INT.format(v) : DEC.format(v);
}

/** A value a gate compared, to 6 significant digits: rounded to 2 decimals, 0.9988 read "1" beside a failed >= 0.999. */
export function exact(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/** 12.3%; "–" for not measured. Never 100.0% for less than all (99.96% stays 99.96%). */
export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  const p = v * 100;
  if (p >= 99.95 && p < 100) return `${(Math.floor(p * 100) / 100).toFixed(2)}%`;
  return `${p === 0 || p >= 10 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

export function lines(list: readonly number[], more: boolean): string {
  return list.length === 0 ? '' : list.join(', ') + (more ? ', …' : '');
}

/** Worst-case 95% margin of a share estimated from `n` samples, in percentage points: 1.96 · √(0.25 / n) · 100. */
export function marginPoints(n: number): number {
  return 1.96 * Math.sqrt(0.25 / n) * 100;
}

/**
 * The note every content section carries when the report was sampled (`sampling.rate` < 1), or undefined.
 * e.g. "Measured on 2,481 of 99,000 valid samples (2.5% sample by content hash); shares are estimates (±2.0
 * percentage points at 95%)".
 */
export function samplingNote(sampling: { rate: number; measured: number } | undefined, valid: number): string | undefined {
  if (sampling === undefined || sampling.rate >= 1) return undefined;
  const head = `Measured on ${num(sampling.measured)} of ${num(valid)} valid samples (${pct(sampling.rate)} sample by content hash)`;
  if (sampling.measured === 0) return `${head}; no sample was selected, so this section is empty`;
  return `${head}; shares are estimates (±${marginPoints(sampling.measured).toFixed(1)} percentage points at 95%)`;
}
