const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DEC = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 12,345 or 12.35; "–" for not measured. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return Number.isInteger(v) ? INT.format(v) : DEC.format(v);
}

/** 12.3%; "–" for not measured. */
export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  const p = v * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

export function lines(list: readonly number[], more: boolean): string {
  return list.length === 0 ? '' : list.join(', ') + (more ? ', …' : '');
}
