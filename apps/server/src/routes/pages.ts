import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';
import { jobOutputDir } from '../internal/job-runner.js';
import type { AdapterRecord, JobRecord } from '../store/registry-store.js';

// Pages load nothing from elsewhere: inline styles (and the report's inline scripts) only.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
const REPORT_FILE = 'quality_report.html';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
const href = (...segments: string[]): string => segments.map((s) => encodeURIComponent(s)).join('/');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #ddd;font-size:.9rem}
th{background:#f4f4f4}.status-succeeded{color:#116611}.status-failed{color:#aa1111}.muted{color:#666}
</style></head><body>
${body}
</body></html>`;
}

function adapterRows(adapters: AdapterRecord[]): string {
  if (adapters.length === 0) return '<p class="muted">No adapters registered yet.</p>';
  const rows = adapters
    .map(
      (a) => `<tr><td><a href="/v1/adapters/${href(a.id)}">${esc(a.id)}</a></td><td>${esc(a.version)}</td>` +
        `<td>${esc(a.domain)}</td><td>${esc(a.task)}</td><td>${esc(a.baseModel)}</td>` +
        `<td><a href="/v1/adapters/${href(a.id, a.version)}/card">model card</a></td></tr>`,
    )
    .join('\n');
  return `<table id="adapters"><thead><tr><th>Adapter</th><th>Version</th><th>Domain</th><th>Task</th><th>Base model</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function jobRows(jobs: JobRecord[]): string {
  if (jobs.length === 0) return '<p class="muted">No export jobs yet.</p>';
  const rows = jobs
    .map((j) => {
      const s = j.stats as { exported?: number; rejected?: number; duplicates?: number; piiFound?: number } | null;
      const summary = s
        ? `${esc(s.exported)} exported, ${esc(s.rejected)} rejected, ${esc(s.duplicates)} duplicates, PII in ${esc(s.piiFound)}`
        : j.error
          ? esc(`${j.error.code}: ${j.error.message}`)
          : '';
      const report = j.files.includes(REPORT_FILE) ? `<a href="/exports/${href(j.id)}/report">quality report</a>` : '';
      return `<tr><td><a href="/v1/exports/${href(j.id)}">${esc(j.id.slice(0, 8))}</a></td><td>${esc(j.source)}</td>` +
        `<td class="status-${esc(j.status)}">${esc(j.status)}</td><td>${summary}</td><td>${esc(j.createdAt)}</td><td>${report}</td></tr>`;
    })
    .join('\n');
  return `<table id="jobs"><thead><tr><th>Job</th><th>Source</th><th>Status</th><th>Quality summary</th><th>Created</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** `/` (dashboard: adapters and recent export jobs) and `/exports/:id/report` (the job's quality report). */
export function pageRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/', { config: { scope: 'read' }, schema: { tags: ['pages'], hide: true } }, async (_request, reply) => {
      const [{ items: adapters, total }, jobs] = await Promise.all([
        ctx.store.listAdapters({ limit: 100, offset: 0 }),
        ctx.store.listJobs(20),
      ]);
      const body = `<h1>lorakit server</h1>
<p class="muted">Store: ${esc(ctx.store.kind)} · <a href="/docs/">API documentation</a> · <a href="/readyz">readiness</a></p>
<h2>Adapters (${esc(total)})</h2>
${adapterRows(adapters)}
<h2>Recent export jobs</h2>
${jobRows(jobs)}`;
      return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(page('lorakit server', body));
    });

    app.get(
      '/exports/:id/report',
      { config: { scope: 'read' }, schema: { tags: ['pages'], hide: true, params: z.object({ id: z.uuid() }) } },
      async (request, reply) => {
        const job = await ctx.store.getJob(request.params.id);
        if (!job) throw new ServerError('SERVER_NOT_FOUND', `export job ${request.params.id} does not exist`);
        if (!job.files.includes(REPORT_FILE)) {
          throw new ServerError('SERVER_NOT_FOUND', `export job ${job.id} has no quality report (status ${job.status})`);
        }
        // The exporter rendered it with quality-metrics' renderHtml when the job ran; serving that file keeps one renderer.
        const html = await readFile(join(jobOutputDir(ctx.dataDir, job.id), REPORT_FILE), 'utf8').catch((cause: unknown) => {
          throw new ServerError('SERVER_NOT_FOUND', `the quality report of export job ${job.id} is gone from the data directory`, { cause });
        });
        return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(html);
      },
    );
  };
}
