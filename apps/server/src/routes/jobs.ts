import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseExportConfig, type SourceConfig } from '@lorakit/jsonl-exporter';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';
import { audit } from '../internal/context.js';
import { checkExportConfig } from '../internal/check-export-config.js';
import { fileSize, jobOutputDir, jobOutputPath, jobView, type JobRunner } from '../internal/job-runner.js';
import type { JobRecord } from '../store/registry-store.js';

/** Body of `POST /v1/exports`. */
export const CreateExportJobSchema = z
  .object({
    source: z.string().min(1).describe('Name of a server-side source from the server config (never a path or URL).'),
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('An ExportConfig (see @lorakit/jsonl-exporter) without `source` and `output.dir`: the server sets them.'),
  })
  .strict();

const IdParams = z.object({ id: z.uuid() });
// One path segment of safe characters: no separators, no "..", no leading dot, no control or quote characters.
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,200}$/;

function refuseRequestPaths(config: Record<string, unknown>): void {
  if (config['source'] !== undefined) {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.source: name a configured source in `source` instead');
  }
  const output = config['output'] as { dir?: unknown } | undefined;
  if (output?.dir !== undefined) throw new ServerError('SERVER_BAD_REQUEST', 'config.output.dir: the server chooses the output directory');
  const structured = config['structured_gen'] as { json_schema?: unknown } | undefined;
  if (typeof structured?.json_schema === 'string') {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.structured_gen.json_schema: give the schema inline, not a file path');
  }
  const pii = config['pii'] as { hash_key_env?: unknown } | undefined;
  if (pii?.hash_key_env !== undefined) {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.pii.hash_key_env: the server chooses where the hash key comes from');
  }
}

/**
 * Export jobs: `POST /v1/exports` (202 + id), `GET /v1/exports` (recent), `GET /v1/exports/:id`,
 * `GET /v1/exports/:id/files/:name` (download), `DELETE /v1/exports/:id` (cancel).
 */
export function jobRoutes(ctx: AppContext, runner: JobRunner, sources: Map<string, SourceConfig>, env: NodeJS.ProcessEnv): FastifyPluginAsyncZod {
  const { store } = ctx;
  const getJob = async (id: string): Promise<JobRecord> => {
    const job = await store.getJob(id);
    if (!job) throw new ServerError('SERVER_NOT_FOUND', `export job ${id} does not exist`);
    return job;
  };
  return async (app) => {
    app.post(
      '/exports',
      { config: { scope: 'export' }, schema: { tags: ['export'], body: CreateExportJobSchema, response: { 202: z.object({ id: z.string(), status: z.literal('queued') }).describe('Location: /v1/exports/{id}') } } },
      async (request, reply) => {
        const { source: name, config: raw } = request.body;
        const source = sources.get(name);
        if (!source) {
          audit(request, { action: 'export.job.create', target: name, outcome: 'failure', detail: 'unknown source' });
          const known = [...sources.keys()].join(', ') || 'none configured';
          throw new ServerError('SERVER_NOT_FOUND', `source ${name} is not configured (known: ${known})`);
        }
        refuseRequestPaths(raw);
        const id = randomUUID();
        const output = { ...((raw['output'] as object | undefined) ?? {}), dir: jobOutputPath(id), overwrite: true };
        const config = parseExportConfig({ ...raw, source, output }, { file: 'request body config' });
        // With the environment the job's export gets (the job runner's).
        await checkExportConfig(config, ctx.config.limits, env);
        const job: JobRecord = {
          id,
          status: 'queued',
          source: name,
          config: raw,
          progress: null,
          stats: null,
          quality: null,
          files: [],
          error: null,
          createdBy: request.principal?.name ?? 'anonymous',
          createdAt: new Date().toISOString(),
          startedAt: null,
          finishedAt: null,
        };
        await store.createJob(job);
        runner.submit(id, config, ctx.dataDir);
        audit(request, { action: 'export.job.create', target: id, outcome: 'success', detail: { source: name } });
        return reply.status(202).header('location', `/v1/exports/${id}`).send({ id, status: 'queued' });
      },
    );

    app.get(
      '/exports',
      {
        config: { scope: 'read' },
        schema: { tags: ['export'], querystring: z.object({ limit: z.coerce.number().int().min(1).max(ctx.config.limits.page_size_max).default(20) }) },
      },
      async (request) => ({ items: (await store.listJobs(request.query.limit)).map(jobView) }),
    );

    app.get('/exports/:id', { config: { scope: 'read' }, schema: { tags: ['export'], params: IdParams } }, async (request) =>
      jobView(await getJob(request.params.id)),
    );

    app.get(
      '/exports/:id/files/:name',
      {
        config: { scope: 'read' },
        schema: { tags: ['export'], params: z.object({ id: z.uuid(), name: z.string().min(1) }) },
      },
      async (request, reply) => {
        const { id, name } = request.params;
        if (!FILE_NAME.test(name)) {
          audit(request, { action: 'export.download', target: `${id}/${name}`, outcome: 'denied', detail: 'unsafe file name' });
          throw new ServerError('SERVER_BAD_REQUEST', `file name ${JSON.stringify(name)} is not a plain file name`);
        }
        const job = await getJob(id);
        // Jobs whose export finished but failed a verdict (gates, nothing exported) keep their files: they list them.
        if (job.status !== 'succeeded' && job.files.length === 0) {
          throw new ServerError('SERVER_JOB_STATE', `export job ${id} is ${job.status} and has no files`);
        }
        if (!job.files.includes(name)) throw new ServerError('SERVER_NOT_FOUND', `export job ${id} has no file ${name}`);
        const path = join(jobOutputDir(ctx.dataDir, id), name);
        const size = await fileSize(path);
        if (size === undefined) throw new ServerError('SERVER_NOT_FOUND', `file ${name} of export job ${id} is gone from the data directory`);
        const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : name.endsWith('.json') ? 'application/json' : name.endsWith('.jsonl') ? 'application/x-ndjson' : 'application/octet-stream';
        audit(request, { action: 'export.download', target: `${id}/${name}`, outcome: 'success' });
        return reply
          .type(type)
          .header('content-length', size)
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('x-content-type-options', 'nosniff')
          .send(createReadStream(path));
      },
    );

    app.delete('/exports/:id', { config: { scope: 'export' }, schema: { tags: ['export'], params: IdParams, response: { 202: z.record(z.string(), z.unknown()).describe('the job, as GET /v1/exports/{id} shows it') } } }, async (request, reply) => {
      const job = await getJob(request.params.id);
      if (job.status !== 'queued' && job.status !== 'running') {
        throw new ServerError('SERVER_JOB_STATE', `export job ${job.id} is already ${job.status}`);
      }
      const cancelled = await runner.cancel(job.id);
      if (!cancelled) throw new ServerError('SERVER_JOB_STATE', `export job ${job.id} is not running on this server`);
      audit(request, { action: 'export.job.cancel', target: job.id, outcome: 'success' });
      return reply.status(202).send(jobView(await getJob(job.id)));
    });
  };
}
