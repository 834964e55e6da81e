import { QualityMetricsError } from './errors.js';
import { createQualityAccumulator } from './quality-accumulator.js';
import type { QualityReport } from './quality-report.js';

/** Comparison operators a gate may use. */
export type GateOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A gate as an object; the string form `"complianceRate >= 0.99"` means the same. */
export interface GateSpec {
  metric: string;
  op: GateOperator;
  value: number;
}

/** The outcome of one gate. `actual` is null when the metric was not measured (e.g. tokens without tokenizer). */
export interface GateResult extends GateSpec {
  gate: string;
  actual: number | null;
  passed: boolean;
  reason?: string;
}

/** The outcome of {@link evaluateGates}. */
export interface GateEvaluation {
  passed: boolean;
  results: GateResult[];
  failed: GateResult[];
}

const GATE_RE = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;
const OPERATORS: readonly GateOperator[] = ['<', '<=', '>', '>=', '==', '!='];

function camel(code: string): string {
  return code.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Every metric name a gate can use, with its value in `report` (null = not measured). Names: `complianceRate`,
 * `samples`, `valid`, `invalid`, `exactDuplicateRate`, `nearDuplicateRate`, `promptConflictRate`, `piiRate`,
 * `pii<Type>Rate`, `languageMismatchRate`, `overMaxSeqLenRate`, `truncatedResponseTokenRate`, `compressionRatio`,
 * `meanMtld`, `distinct<1|2|3><Prompt|Response>`, `<flag>Rate` (e.g. `wordRepetitionRate`, `refusalRate`), and
 * `<min|mean|p50|p90|p95|p99|max><Prompt|Response|Total><Chars|Words|Tokens>` (e.g. `p99ResponseTokens`).
 */
export function reportMetrics(report: QualityReport): Map<string, number | null> {
  const m = new Map<string, number | null>();
  m.set('complianceRate', report.counts.complianceRate);
  m.set('samples', report.counts.samples);
  m.set('valid', report.counts.valid);
  m.set('invalid', report.counts.invalid);
  m.set('exactDuplicateRate', report.exactDuplicates.rate);
  m.set('nearDuplicateRate', report.nearDuplicates?.rate ?? null);
  m.set('promptConflictRate', report.promptConflicts.rate);
  m.set('piiRate', report.pii.rate);
  // PII is a content metric: its counts are among the measured samples (all valid ones in unsampled reports).
  const measured = report.sampling?.measured ?? report.counts.valid;
  for (const t of report.pii.byType) m.set(`pii${cap(t.type)}Rate`, measured === 0 ? null : t.samples / measured);
  m.set('languageMismatchRate', report.language.expected === null ? null : report.language.mismatchRate);
  m.set('overMaxSeqLenRate', report.truncation?.overMaxSeqLenRate ?? null);
  m.set('truncatedResponseTokenRate', report.truncation?.truncatedResponseTokenRate ?? null);
  m.set('compressionRatio', report.diversity.compressionRatio);
  m.set('meanMtld', report.diversity.meanMtld);
  for (const side of ['prompt', 'response'] as const) {
    const d = report.diversity[side];
    m.set(`distinct1${cap(side)}`, d.distinct1);
    m.set(`distinct2${cap(side)}`, d.distinct2);
    m.set(`distinct3${cap(side)}`, d.distinct3);
  }
  for (const f of report.flags) m.set(`${camel(f.code)}Rate`, f.share);
  for (const side of ['prompt', 'response', 'total'] as const) {
    for (const unit of ['chars', 'words', 'tokens'] as const) {
      const dist = report.lengths[side][unit];
      for (const stat of ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const) {
        m.set(`${stat}${cap(side)}${cap(unit)}`, dist?.[stat] ?? null);
      }
    }
  }
  return m;
}

function parseGate(gate: string | GateSpec): GateSpec & { gate: string } {
  if (typeof gate === 'string') {
    const match = GATE_RE.exec(gate);
    if (match === null) {
      throw new QualityMetricsError('METRICS_INVALID_GATE', `gate "${gate}": expected "<metric> <op> <number>", e.g. "complianceRate >= 0.99"`);
    }
    return { gate: gate.trim(), metric: match[1]!, op: match[2] as GateOperator, value: Number(match[3]) };
  }
  if (typeof gate !== 'object' || gate === null || typeof gate.metric !== 'string' || !OPERATORS.includes(gate.op) || !Number.isFinite(gate.value)) {
    throw new QualityMetricsError('METRICS_INVALID_GATE', `gate ${JSON.stringify(gate)}: expected { metric, op: one of ${OPERATORS.join(' ')}, value: number }`);
  }
  return { gate: `${gate.metric} ${gate.op} ${gate.value}`, metric: gate.metric, op: gate.op, value: gate.value };
}

function compare(actual: number, op: GateOperator, value: number): boolean {
  switch (op) {
    case '<': return actual < value;
    case '<=': return actual <= value;
    case '>': return actual > value;
    case '>=': return actual >= value;
    case '==': return actual === value;
    case '!=': return actual !== value;
  }
}

/**
 * Decides pass/fail on a report. A gate on a metric that was not measured (e.g. token lengths without a tokenizer)
 * fails, with that reason, rather than passing silently.
 *
 * @throws QualityMetricsError `METRICS_INVALID_GATE` for a malformed gate, `METRICS_UNKNOWN_GATE_METRIC` for a
 * metric name that does not exist (the message lists similar names).
 * @example
 * const { passed, failed } = evaluateGates(report, ['complianceRate >= 0.99', 'p99ResponseTokens <= 4096']);
 */
export function evaluateGates(report: QualityReport, gates: readonly (string | GateSpec)[]): GateEvaluation {
  const metrics = reportMetrics(report);
  const results: GateResult[] = gates.map((g) => {
    const spec = parseGate(g);
    if (!metrics.has(spec.metric)) {
      const lower = spec.metric.toLowerCase();
      const near = [...metrics.keys()].filter((k) => k.toLowerCase().includes(lower.slice(0, 6)) || lower.includes(k.toLowerCase())).slice(0, 8);
      throw new QualityMetricsError(
        'METRICS_UNKNOWN_GATE_METRIC',
        `gate "${spec.gate}": unknown metric "${spec.metric}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (see the README for all names)`,
      );
    }
    const actual = metrics.get(spec.metric) ?? null;
    if (actual === null) return { ...spec, actual, passed: false, reason: 'not measured' };
    return { ...spec, actual, passed: compare(actual, spec.op, spec.value) };
  });
  const failed = results.filter((r) => !r.passed);
  return { passed: failed.length === 0, results, failed };
}

/**
 * Checks gates before anything is measured, so a typo fails before a long run rather than after it: throws what
 * {@link evaluateGates} would. Metric names do not depend on the accumulator's options, so an empty report knows
 * them all.
 *
 * @throws QualityMetricsError `METRICS_INVALID_GATE` or `METRICS_UNKNOWN_GATE_METRIC`, as evaluateGates.
 * @example
 * checkGates(['complianceRate >= 0.99']); // passes; 'complianceRat >= 0.99' throws, naming similar metrics
 */
export function checkGates(gates: readonly (string | GateSpec)[]): void {
  if (gates.length > 0) evaluateGates(createQualityAccumulator({ nearDup: false }).report(), gates);
}
