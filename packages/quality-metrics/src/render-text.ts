import type { GateEvaluation } from './evaluate-gates.js';
import { exact, num, pct, samplingNote } from './internal/format.js';
import type { Distribution, QualityReport } from './quality-report.js';

function dist(label: string, d: Distribution | undefined): string | undefined {
  if (d === undefined || d.n === 0) return undefined;
  return `  ${label.padEnd(18)} n=${num(d.n)} mean=${num(d.mean)} p50=${num(d.p50)} p90=${num(d.p90)} p99=${num(d.p99)} max=${num(d.max)}`;
}

/**
 * A compact plain-text summary of a report for terminals and CI logs (no colours, stable layout).
 *
 * @example
 * console.log(renderText(report, evaluateGates(report, gates)));
 */
export function renderText(report: QualityReport, gates?: GateEvaluation): string {
  const c = report.counts;
  const out: string[] = [];
  // Sampled reports: every content section says on how many samples it was measured.
  const note = samplingNote(report.sampling, c.valid);
  const sampled = (prefix = ''): void => {
    if (note !== undefined) out.push(`  ${prefix}${note}`);
  };
  out.push(`quality report (${num(c.samples)} samples, ${num(c.lines)} lines)`);
  out.push(`  compliance ${pct(c.complianceRate)}: ${num(c.valid)} valid, ${num(c.invalid)} invalid (${num(c.unrecognised)} in no known format)`);
  for (const i of report.issues.slice(0, 5)) out.push(`    ${i.code} at ${i.path || '/'}: ${num(i.count)} (lines ${i.lines.join(', ')})`);
  if (report.issues.length > 5) out.push(`    … ${report.issues.length - 5} more issue groups`);
  out.push('lengths');
  for (const side of ['prompt', 'response', 'total'] as const) {
    for (const unit of ['chars', 'words', 'tokens'] as const) {
      const line = dist(`${side} ${unit}`, report.lengths[side][unit]);
      if (line !== undefined) out.push(line);
    }
  }
  sampled('word lengths: ');
  if (report.truncation) {
    const t = report.truncation;
    out.push(`  over max_seq_len ${num(t.maxSeqLen)}: ${pct(t.overMaxSeqLenRate)} of samples, ${pct(t.truncatedResponseTokenRate)} of response tokens lost`);
  }
  const nd = report.nearDuplicates;
  out.push('duplicates');
  out.push(`  exact ${pct(report.exactDuplicates.rate)} (${num(report.exactDuplicates.duplicates)} in ${num(report.exactDuplicates.groupCount)} groups)` +
    (nd ? `, near ${pct(nd.rate)} (${num(nd.duplicates)} in ${num(nd.clusterCount)} clusters)` : ', near: off') +
    `, prompt conflicts ${pct(report.promptConflicts.rate)}`);
  const d = report.diversity;
  out.push('diversity');
  out.push(`  response distinct-1/2/3 ${num(d.response.distinct1)}/${num(d.response.distinct2)}/${num(d.response.distinct3)}, ` +
    `prompt ${num(d.prompt.distinct1)}/${num(d.prompt.distinct2)}/${num(d.prompt.distinct3)}, gzip ratio ${num(d.compressionRatio)}, MTLD ${num(d.meanMtld)}`);
  sampled();
  out.push(`languages ${report.language.counts.slice(0, 6).map((l) => `${l.language} ${pct(l.share)}`).join(', ') || '–'}` +
    (report.language.expected ? `; mismatches ${pct(report.language.mismatchRate)}` : ''));
  sampled();
  out.push(`pii ${pct(report.pii.rate)} of samples` +
    (report.pii.samples > 0 ? `: ${report.pii.byType.filter((t) => t.samples > 0).map((t) => `${t.type} ${num(t.samples)}`).join(', ')}` : ''));
  sampled();
  const flags = report.flags.filter((f) => f.count > 0);
  out.push(`flags ${flags.length === 0 ? 'none' : flags.map((f) => `${f.code} ${num(f.count)}`).join(', ')}`);
  sampled();
  if (report.funnel && report.funnel.length > 0) {
    out.push('funnel');
    for (const f of report.funnel) out.push(`  ${f.stage}${f.code ? ` (${f.code})` : ''}: ${num(f.count)}`);
  }
  if (gates) {
    out.push(`gates ${gates.passed ? 'PASSED' : 'FAILED'}`);
    for (const g of gates.results) {
      out.push(`  ${g.passed ? 'ok  ' : 'FAIL'} ${g.gate} (actual ${g.actual === null ? g.reason ?? 'not measured' : exact(g.actual)})`);
    }
  }
  return out.join('\n') + '\n';
}
