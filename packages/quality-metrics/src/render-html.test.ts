import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../../tools/test-env.mjs';
import { evaluateGates } from './evaluate-gates.js';
import { createQualityAccumulator } from './quality-accumulator.js';
import { renderHtml } from './render-html.js';
import { renderText } from './render-text.js';
import { loadTokenizer } from './tokenizer.js';
import { makeText, makeVocabulary, mulberry32 } from '../test/generate.js';

async function sampleReport(sampleRate = 1) {
  const tokenizer = await loadTokenizer(fileURLToPath(new URL('../test/fixtures/tiny-tokenizer', import.meta.url)));
  const acc = createQualityAccumulator({ tokenizer, maxSeqLen: 40, expectedLanguages: ['en'], sampleRate });
  const rand = mulberry32(5);
  const vocab = makeVocabulary(rand, 300);
  for (let line = 1; line <= 300; line++) {
    const n = 5 + Math.floor(rand() * rand() * 200);
    const completion = line % 50 === 0 ? 'the cat sat. the cat sat. <script>alert(1)</script>' : makeText(rand, vocab, n).join(' ');
    acc.add({ prompt: `hello world ${line % 7 === 0 ? 'mail me at x@example.org' : makeText(rand, vocab, 4).join(' ')}`, completion }, {
      line,
      ...(line % 40 === 0 ? { issues: [{ code: 'required', path: '/completion', message: 'missing' }] } : {}),
    });
    if (line % 30 === 0) acc.add({ prompt: 'dup', completion: 'same text <script>alert(1)</script>' }, { line: 1000 + line });
  }
  const report = { ...acc.report(), funnel: [{ stage: 'read', count: 310 }, { stage: 'validate', code: 'EXPORT_INVALID', count: 7 }] };
  return { report, gates: evaluateGates(report, ['complianceRate >= 0.99', 'p99ResponseTokens <= 4096']) };
}

describe('renderText', () => {
  it('summarises counts, duplicates, funnel and gate failures', async () => {
    const { report, gates } = await sampleReport();
    const text = renderText(report, gates);
    expect(text).toContain(`quality report (${report.counts.samples} samples`);
    expect(text).toContain('response tokens');
    expect(text).toContain('validate (EXPORT_INVALID): 7');
    expect(text).toMatch(/gates FAILED\n\s+FAIL complianceRate >= 0.99/);
    expect(text).not.toContain('Measured on');
  });

  it('says under every content section of a sampled report how many samples it was measured on', async () => {
    const { report } = await sampleReport(0.3);
    const { measured } = report.sampling!;
    const note = `Measured on ${measured} of ${report.counts.valid} valid samples (30.0% sample by content hash); ` +
      `shares are estimates (±${(1.96 * Math.sqrt(0.25 / measured) * 100).toFixed(1)} percentage points at 95%)`;
    const text = renderText(report);
    // word lengths, diversity, languages, PII, flags
    expect(text.split(note).length - 1).toBe(5);
    expect(text).toContain(`word lengths: ${note}`);
  });
});

describe('renderHtml', () => {
  it('says whether nationally written phone numbers were looked for', async () => {
    const { report } = await sampleReport();
    expect(renderHtml(report)).toContain('Phone numbers written nationally (030 12345678) were not looked for: no phone regions were given.');
    expect(renderHtml({ ...report, options: { ...report.options, phoneRegions: ['AT', 'DE'] } })).toContain(
      'National phone numbers of AT, DE were looked for too.',
    );
  });

  it('is one self-contained page that escapes sample text', async () => {
    const { report, gates } = await sampleReport();
    const html = renderHtml(report, { gates });
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('max_seq_len 40');
    expect(html).not.toContain('class="sampled"');
    const sampled = renderHtml((await sampleReport(0.3)).report);
    expect(sampled.match(/<p class="sampled">[^<]*Measured on \d+ of \d+ valid samples/g)).toHaveLength(5);
  });

  const chrome = chromiumPath();
  it.skipIf(chrome === undefined)('renders in headless Chromium with visible charts and no console errors', async () => {
    const { report, gates } = await sampleReport();
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-qm-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(report, { gates }));
    const browser = await chromium.launch({ executablePath: chrome!, args: chromiumArgs });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      const charts = page.locator('svg.chart');
      const count = await charts.count();
      // 3 sides x 3 units of histograms, funnel, S-curve, cluster sizes, distinct-n, openings, language, PII, flags.
      expect(count).toBeGreaterThanOrEqual(16);
      for (let i = 0; i < count; i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box?.width).toBeGreaterThan(0);
        expect(box?.height).toBeGreaterThan(0);
      }
      const bars = await page.locator('svg.histogram rect.bar').count();
      expect(bars).toBeGreaterThan(20);
      expect(await page.locator('svg.histogram line.marker').count()).toBeGreaterThanOrEqual(9 * 3);
      for (const heading of ['Gates', 'Funnel: what was dropped where', 'Lengths', 'Schema issues', 'Duplicates', 'Diversity', 'Language', 'Personal data', 'Heuristic flags']) {
        await expect(page.getByRole('heading', { name: heading, exact: true }).isVisible()).resolves.toBe(true);
      }
      if (process.env['LORAKIT_SCREENSHOT']) await page.screenshot({ path: process.env['LORAKIT_SCREENSHOT'], fullPage: true });
      expect(await page.locator('p.sampled').count()).toBe(0);

      // A sampled report: each content section shows its sample note.
      const sampledFile = join(dir, 'sampled.html');
      writeFileSync(sampledFile, renderHtml((await sampleReport(0.3)).report));
      await page.goto(`file://${sampledFile}`);
      const notes = page.locator('p.sampled');
      expect(await notes.count()).toBe(5);
      for (let i = 0; i < 5; i++) {
        await expect(notes.nth(i).isVisible()).resolves.toBe(true);
        expect(await notes.nth(i).innerText()).toMatch(/Measured on \d+ of \d+ valid samples \(30\.0% sample by content hash\); shares are estimates \(±\d+\.\d percentage points at 95%\)/);
      }
      // Each note opens its section (lengths: after the line saying what the lengths are).
      for (const selector of ['h2#lengths + p + p.sampled', 'h2#diversity + p.sampled', 'h2#language + p.sampled', 'h2#pii + p.sampled', 'h2#flags + p.sampled']) {
        await expect(page.locator(selector).isVisible()).resolves.toBe(true);
      }
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
