import type { GateEvaluation } from './evaluate-gates.js';
import { exact, num, pct, samplingNote } from './internal/format.js';
import type { Distribution, QualityReport } from './quality-report.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ESCAPE_RE = /[&<>"']/g;

function esc(s: string): string {
  return s.replace(ESCAPE_RE, (c) => ESCAPES[c]!);
}

function compact(v: number): string {
  if (v >= 1_000_000) return `${v / 1_000_000}M`;
  if (v >= 1000) return `${v / 1000}k`;
  return String(v);
}

const QUANTILE_COLOURS: Readonly<Record<string, string>> = { p50: '#2b8a3e', p90: '#e67700', p99: '#c92a2a', max_seq_len: '#5f3dc4' };

/** Length histogram with p50/p90/p99 (and max_seq_len) markers, x axis in power-of-two buckets. */
function histogramSvg(title: string, unit: string, d: Distribution, maxSeqLen: number | null): string {
  const W = 460;
  const H = 200;
  const left = 44;
  const bottom = 36;
  const top = 40;
  const plotW = W - left - 10;
  const plotH = H - top - bottom;
  const buckets = d.histogram;
  if (buckets.length === 0) return '';
  const maxCount = Math.max(...buckets.map((b) => b.count));
  const bw = plotW / buckets.length;
  const xOf = (v: number): number => {
    let i = buckets.findIndex((b) => v >= b.from && (b.to === null || v < b.to));
    if (i < 0) i = v < buckets[0]!.from ? 0 : buckets.length - 1;
    const b = buckets[i]!;
    const frac = b.to === null || b.from === 0 ? 0 : (Math.log2(Math.max(v, b.from)) - Math.log2(b.from)) / (Math.log2(b.to) - Math.log2(b.from));
    return left + (i + Math.min(1, Math.max(0, frac))) * bw;
  };
  const parts: string[] = [];
  parts.push(`<svg class="chart histogram" role="img" aria-label="${esc(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">`);
  parts.push(`<text x="${left}" y="16" class="ct">${esc(title)}</text>`);
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" class="axis"/>`);
  parts.push(`<text x="${left - 6}" y="${top + 8}" text-anchor="end" class="tick">${num(maxCount)}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + plotH}" text-anchor="end" class="tick">0</text>`);
  buckets.forEach((b, i) => {
    const h = maxCount === 0 ? 0 : Math.max(b.count > 0 ? 1 : 0, (b.count / maxCount) * plotH);
    const x = left + i * bw;
    const range = b.to === null ? `≥ ${num(b.from)}` : b.to - b.from === 1 ? num(b.from) : `${num(b.from)}–${num(b.to - 1)}`;
    parts.push(`<rect class="bar" x="${(x + 1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${range} ${esc(unit)}: ${num(b.count)} samples</title></rect>`);
    if (buckets.length <= 12 || i % 2 === 0) {
      parts.push(`<text x="${x.toFixed(1)}" y="${top + plotH + 14}" class="tick">${compact(b.from)}</text>`);
    }
  });
  parts.push(`<text x="${left + plotW}" y="${H - 4}" text-anchor="end" class="tick">${esc(unit)} (log scale)</text>`);
  const markers: [string, number | null][] = [['p50', d.p50], ['p90', d.p90], ['p99', d.p99]];
  if (maxSeqLen !== null) markers.push(['max_seq_len', maxSeqLen]);
  const legend: string[] = [];
  for (const [name, v] of markers) {
    if (v === null) continue;
    const x = xOf(v).toFixed(1);
    const colour = QUANTILE_COLOURS[name]!;
    parts.push(`<line class="marker" x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="${colour}" stroke-width="2" stroke-dasharray="4 3"><title>${name} ${num(v)}</title></line>`);
    legend.push(`<tspan fill="${colour}">${name} ${num(v)}</tspan>`);
  }
  // A legend line instead of labels at the markers: p90, p99 and max_seq_len are often a few pixels apart.
  parts.push(`<text x="${left}" y="31" class="tick">${legend.join(' · ')}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

interface BarItem {
  label: string;
  value: number;
  text: string;
}

/** Horizontal bar chart; `max` fixes the scale (e.g. 1 for shares). */
function barsSvg(title: string, items: readonly BarItem[], max?: number): string {
  if (items.length === 0) return `<p class="muted">${esc(title)}: nothing to show.</p>`;
  const W = 480;
  const row = 22;
  const labelW = 200;
  const textW = 100;
  const H = 26 + items.length * row;
  const scale = max ?? Math.max(...items.map((i) => i.value), 1e-12);
  const plotW = W - labelW - textW;
  const parts = [`<svg class="chart bars" role="img" aria-label="${esc(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">`];
  parts.push(`<text x="0" y="16" class="ct">${esc(title)}</text>`);
  items.forEach((item, i) => {
    const y = 24 + i * row;
    const w = scale <= 0 ? 0 : Math.max(item.value > 0 ? 2 : 0, (item.value / scale) * plotW);
    const label = item.label.length > 30 ? item.label.slice(0, 29) + '…' : item.label;
    parts.push(`<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="lbl">${esc(label)}</text>`);
    parts.push(`<rect class="bar" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}"><title>${esc(item.label)}: ${esc(item.text)}</title></rect>`);
    parts.push(`<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}" class="lbl">${esc(item.text)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(head: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function card(label: string, value: string, bad = false): string {
  return `<div class="card${bad ? ' bad' : ''}"><div class="v">${esc(value)}</div><div class="l">${esc(label)}</div></div>`;
}

function lineList(lines: readonly number[], total: number): string {
  return esc(lines.join(', ') + (total > lines.length ? ', …' : ''));
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;margin:0;background:#f8f9fa}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #dee2e6;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.muted{color:#6c757d}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}.card{background:#fff;border:1px solid #dee2e6;border-radius:6px;padding:10px 14px;min-width:120px}
.card .v{font-size:20px;font-weight:600}.card .l{color:#6c757d;font-size:12px}.card.bad .v{color:#c92a2a}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #dee2e6;border-radius:6px}
.chart .bar{fill:#4c6ef5}.chart .axis{stroke:#adb5bd}.chart .ct{font-weight:600;font-size:13px;fill:#212529}
.chart .tick{font-size:10px;fill:#495057}.chart .lbl{font-size:12px;fill:#212529}
table{border-collapse:collapse;background:#fff;width:100%;margin:6px 0}th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right}pre{white-space:pre-wrap;margin:0;font-size:12px;max-height:9em;overflow:auto}
.pass{color:#2b8a3e;font-weight:600}.fail{color:#c92a2a;font-weight:600}
.sampled{background:#fff9db;border-left:4px solid #f59f00;padding:6px 10px}
`;

/** Options of {@link renderHtml}. */
export interface RenderHtmlOptions {
  /** Gate results to show (from `evaluateGates`). */
  gates?: GateEvaluation;
  /** Page title. @default 'lorakit quality report' */
  title?: string;
}

/**
 * Renders a report as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched): length
 * histograms with p50/p90/p99 and max_seq_len, issues, duplicate clusters with examples, distinct-n, language, PII,
 * flags, the funnel and gates.
 *
 * @example
 * await writeFile('report.html', renderHtml(report, { gates: evaluateGates(report, gates) }));
 */
export function renderHtml(report: QualityReport, options: RenderHtmlOptions = {}): string {
  const title = options.title ?? 'lorakit quality report';
  const c = report.counts;
  const nd = report.nearDuplicates;
  const gates = options.gates;
  const s: string[] = [];
  // Sampled reports: every content section says on how many samples it was measured.
  const note = samplingNote(report.sampling, c.valid);
  const sampled = (prefix = ''): void => {
    if (note !== undefined) s.push(`<p class="sampled">${esc(prefix + note)}.</p>`);
  };
  s.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`);
  s.push(`<title>${esc(title)}</title><style>${CSS}</style></head><body><main>`);
  s.push(`<h1>${esc(title)}</h1><p class="muted">Generated ${esc(report.generatedAt)} · report schema v${report.schemaVersion}</p>`);
  s.push('<div class="cards">');
  s.push(card('samples', num(c.samples)));
  s.push(card('schema compliance', pct(c.complianceRate), (c.complianceRate ?? 1) < 1));
  s.push(card('exact duplicates', pct(report.exactDuplicates.rate)));
  s.push(card('near duplicates', nd ? pct(nd.rate) : 'off'));
  s.push(card(note === undefined ? 'samples with PII' : 'samples with PII (sampled estimate)', pct(report.pii.rate), report.pii.samples > 0));
  if (gates) s.push(card('gates', gates.passed ? 'passed' : `${gates.failed.length} failed`, !gates.passed));
  s.push('</div>');

  if (gates) {
    s.push('<h2 id="gates">Gates</h2>');
    s.push(table(['gate', 'actual', 'result'], gates.results.map((g) => [
      esc(g.gate), g.actual === null ? esc(g.reason ?? 'not measured') : esc(exact(g.actual)),
      g.passed ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>',
    ]), 'No gates.'));
  }

  if (report.funnel && report.funnel.length > 0) {
    s.push('<h2 id="funnel">Funnel: what was dropped where</h2><div class="charts">');
    s.push(barsSvg('records per stage', report.funnel.map((f) => ({ label: f.code ? `${f.stage} (${f.code})` : f.stage, value: f.count, text: num(f.count) }))));
    s.push('</div>');
  }

  s.push('<h2 id="lengths">Lengths</h2>');
  s.push('<p class="muted">Prompt = system and user turns, response = assistant turns. Characters are Unicode code points. ' +
    `Quantiles from DDSketch (within ${pct(report.options.sketchRelativeAccuracy)} of a true value).</p>`);
  sampled('Word lengths: ');
  for (const unit of ['tokens', 'chars', 'words'] as const) {
    const charts = (['prompt', 'response', 'total'] as const)
      .map((side) => {
        const d = report.lengths[side][unit];
        return d && d.n > 0 ? histogramSvg(`${side} length (${unit})`, unit, d, unit === 'tokens' ? report.options.maxSeqLen : null) : '';
      })
      .join('');
    if (charts !== '') s.push(`<h3>${unit}</h3><div class="charts">${charts}</div>`);
  }
  const statRows: string[][] = [];
  for (const side of ['prompt', 'response', 'total'] as const) {
    for (const unit of ['chars', 'words', 'tokens'] as const) {
      const d = report.lengths[side][unit];
      if (!d || d.n === 0) continue;
      statRows.push([`${side} ${unit}`, ...[d.n, d.mean, d.std, d.min, d.p50, d.p90, d.p95, d.p99, d.max].map((v) => `<span>${esc(num(v))}</span>`)]);
    }
  }
  s.push(table(['length', 'n', 'mean', 'std', 'min', 'p50', 'p90', 'p95', 'p99', 'max'], statRows, 'No valid samples.'));
  if (report.truncation) {
    const t = report.truncation;
    s.push(`<p>With max_seq_len ${esc(num(t.maxSeqLen))}: ${esc(pct(t.overMaxSeqLenRate))} of samples are longer (${esc(num(t.samplesOver))}), ` +
      `and truncation would drop ${esc(pct(t.truncatedResponseTokenRate))} of response tokens (${esc(num(t.responseTokensLost))} of ${esc(num(t.responseTokens))}).</p>`);
  }

  s.push('<h2 id="issues">Schema issues</h2>');
  s.push(`<p>${esc(num(c.valid))} valid, ${esc(num(c.invalid))} invalid, ${esc(num(c.unrecognised))} in no known format. Formats: ` +
    `${esc(Object.entries(c.formats).map(([f, n]) => `${f} ${num(n)}`).join(', ') || '–')}.</p>`);
  s.push(table(['code', 'path', 'count', 'example lines'], report.issues.map((i) => [
    esc(i.code), esc(i.path || '/'), `<span>${esc(num(i.count))}</span>`, lineList(i.lines, i.count),
  ]), 'No issues.'));

  s.push('<h2 id="duplicates">Duplicates</h2>');
  const ed = report.exactDuplicates;
  s.push(`<p>Exact duplicates (same text of all turns after whitespace folding and NFC): ${esc(num(ed.duplicates))} samples ` +
    `(${esc(pct(ed.rate))}) in ${esc(num(ed.groupCount))} groups.</p>`);
  s.push(table(['first line', 'duplicates', 'lines', 'text'], ed.groups.slice(0, 20).map((g) => [
    esc(String(g.representative)), esc(num(g.count)), lineList(g.lines, g.count),
    g.example ? `<pre>${esc(g.example)}</pre>` : '<span class="muted">(text kept on another shard)</span>',
  ]), 'No exact duplicates.'));
  if (nd) {
    s.push(`<h3>Near duplicates</h3><p>MinHash over word ${esc(String(nd.shingleSize))}-gram shingles, ${esc(String(nd.numHashes))} hashes = ` +
      `${esc(String(nd.bands))} bands × ${esc(String(nd.rows))} rows find candidates; a pair counts at exact Jaccard ≥ ${esc(String(nd.threshold))}. ` +
      `${esc(num(nd.duplicates))} samples (${esc(pct(nd.rate))}) in ${esc(num(nd.clusterCount))} clusters.</p>`);
    s.push('<div class="charts">');
    s.push(barsSvg('probability of becoming a candidate, by true Jaccard', nd.sCurve.map((p) => ({ label: `Jaccard ${p.jaccard}`, value: p.probability, text: pct(p.probability) })), 1));
    s.push(barsSvg('clusters by size', nd.sizeHistogram.map((b) => ({ label: `${b.size} samples`, value: b.count, text: num(b.count) }))));
    s.push('</div>');
    s.push(table(['representative line', 'size', 'member lines', 'two member texts'], nd.clusters.slice(0, 20).map((cl) => [
      esc(String(cl.representative)), esc(num(cl.size)), lineList(cl.members, cl.size - 1),
      cl.examples.map((e) => `<pre>${esc(e)}</pre>`).join('<hr>') || '<span class="muted">–</span>',
    ]), 'No near duplicates.'));
  }
  const pc = report.promptConflicts;
  s.push(`<h3>Prompt conflicts</h3><p>Same prompt, different response: ${esc(num(pc.samples))} samples (${esc(pct(pc.rate))}) over ${esc(num(pc.prompts))} prompts.</p>`);
  s.push(table(['first line', 'conflicting samples', 'lines'], pc.groups.slice(0, 20).map((g) => [esc(String(g.representative)), esc(num(g.count)), lineList(g.lines, g.count)]), 'No prompt conflicts.'));

  const dv = report.diversity;
  s.push('<h2 id="diversity">Diversity</h2>');
  sampled();
  s.push(`<p>gzip compression ratio of the response text: ${esc(num(dv.compressionRatio))} (higher = more repetitive). Mean MTLD of responses: ` +
    `${esc(num(dv.meanMtld))} over ${esc(num(dv.mtldSamples))} samples. Distinct-n = unique n-grams / all n-grams` +
    `${dv.response.exact && dv.prompt.exact ? ' (exact)' : ` (unique counts from HyperLogLog, ±${pct(report.options.hllRelativeError)})`}.</p>`);
  const dItems: BarItem[] = [];
  for (const side of ['prompt', 'response'] as const) {
    for (const n of [1, 2, 3] as const) {
      const v = dv[side][`distinct${n}`];
      if (v !== null) dItems.push({ label: `${side} distinct-${n}`, value: v, text: num(v) });
    }
  }
  s.push('<div class="charts">');
  s.push(barsSvg('distinct-n', dItems, 1));
  s.push(barsSvg('top prompt openings (first two words)', dv.topOpenings.slice(0, 20).map((o) => ({ label: o.opening, value: o.share, text: `${pct(o.share)} (${num(o.count)})` }))));
  s.push('</div>');

  const lg = report.language;
  s.push('<h2 id="language">Language</h2>');
  sampled();
  s.push(`<p>Detected on the response side (prompt when there is none) with eld (extra-small database); under ${esc(String(lg.minChars))} characters it is <code>und</code>.` +
    (lg.expected ? ` Expected: ${esc(lg.expected.join(', '))}; mismatches ${esc(num(lg.mismatches))} (${esc(pct(lg.mismatchRate))})${lg.mismatchLines.length ? `, e.g. lines ${lineList(lg.mismatchLines, lg.mismatches)}` : ''}.` : '') + '</p>');
  s.push('<div class="charts">');
  s.push(barsSvg('language mix', lg.counts.slice(0, 15).map((l) => ({ label: l.language, value: l.share, text: `${pct(l.share)} (${num(l.count)})` })), 1));
  s.push('</div>');

  s.push('<h2 id="pii">Personal data</h2>');
  sampled();
  s.push(`<p>${esc(num(report.pii.samples))} ${note === undefined ? '' : 'measured '}samples (${esc(pct(report.pii.rate))}) contain e-mail addresses, phone numbers, IBANs, card numbers or public IP addresses. ` +
    'Names and postal addresses are not detected. ' +
    (report.options.phoneRegions !== undefined && report.options.phoneRegions.length > 0
      ? `National phone numbers of ${esc(report.options.phoneRegions.join(', '))} were looked for too.</p>`
      : 'Phone numbers written nationally (030 12345678) were not looked for: no phone regions were given.</p>'));
  s.push('<div class="charts">');
  s.push(barsSvg('samples with PII, by type', report.pii.byType.map((t) => ({ label: t.type, value: t.samples, text: num(t.samples) }))));
  s.push('</div>');
  s.push(table(['type', 'spans', 'samples', 'example lines'], report.pii.byType.filter((t) => t.samples > 0).map((t) => [
    esc(t.type), esc(num(t.spans)), esc(num(t.samples)), lineList(t.lines, t.samples),
  ]), 'No personal data found.'));

  s.push('<h2 id="flags">Heuristic flags</h2>');
  sampled();
  s.push('<p class="muted">Flags never drop data; gates decide. Ratio flags need at least ' +
    `${esc(num(report.options.flagThresholds['minWords'] ?? 50))} response words.</p>`);
  s.push('<div class="charts">');
  s.push(barsSvg('flagged samples', report.flags.map((f) => ({ label: f.code, value: f.count, text: `${num(f.count)} (${pct(f.share)})` }))));
  s.push('</div>');
  s.push(table(['flag', 'count', 'share', 'threshold', 'example lines'], report.flags.filter((f) => f.count > 0).map((f) => [
    esc(f.code), esc(num(f.count)), esc(pct(f.share)), esc(num(f.threshold)), lineList(f.lines, f.count),
  ]), 'No sample was flagged.'));
  s.push('</main></body></html>\n');
  return s.join('\n');
}
