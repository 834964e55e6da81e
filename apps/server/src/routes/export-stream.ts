import { ExportError, exportRecords, openSource, parseExportConfig, type SourceConfig } from '@lorakit/jsonl-exporter';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';
import { checkExportConfig } from '../internal/check-export-config.js';
import { audit, clientGone } from '../internal/context.js';
import { limitedBody, sendNdjson } from '../internal/ndjson.js';
import { splitHeaderLine } from '../internal/split-header.js';

/**
 * First line of `POST /v1/export/stream`: the export config (jsonl-exporter's `ExportConfigSchema`). `source` may
 * only be `{ type: "stdin", format? }` (the rest of the body); it defaults to JSONL.
 */
export const ExportStreamHeaderSchema = z
  .object({
    config: z
      .record(z.string(), z.unknown())
      .describe('An ExportConfig (see @lorakit/jsonl-exporter); output.* and file paths are ignored or refused.'),
  })
  .strict();

const BATCH_CHARS = 32 * 1024;

const QuerySchema = z.object({
  rejects: z.stringbool().default(false).describe('Also stream `{ "reject": … }` lines for records not exported.'),
  stats: z.stringbool().default(false).describe('End with a `{ "stats": … }` summary line.'),
  split: z.enum(['train', 'validation', 'test']).optional().describe('Only lines of this split. Default: every split.'),
});

/** The exporter options the request may not choose: they reach server files or server secrets. */
function refuseServerSideReferences(config: Record<string, unknown>): void {
  const source = config['source'] as { type?: unknown; format?: unknown } | undefined;
  if (source !== undefined && source.type !== 'stdin') {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.source: only { type: "stdin" } (the request body) is allowed here');
  }
  // A JSON array is parsed whole, so the body would sit in memory before the first record (1.9 GB for 220 MB).
  if (source?.format === 'json') {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.source.format: "json" (one array) is read whole; send the records as NDJSON (format "jsonl", the default) or CSV');
  }
  const structured = config['structured_gen'] as { json_schema?: unknown } | undefined;
  if (typeof structured?.json_schema === 'string') {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.structured_gen.json_schema: give the schema inline, not a file path');
  }
  const pii = config['pii'] as { hash_key_env?: unknown } | undefined;
  if (pii?.hash_key_env !== undefined) {
    throw new ServerError('SERVER_BAD_REQUEST', 'config.pii.hash_key_env: the server chooses where the hash key comes from');
  }
}

/** Environment the exporter may read: only the PII hash key, never database URLs or other secrets. */
export function exporterEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const key = env['LORAKIT_PII_HASH_KEY'];
  return key === undefined ? {} : { LORAKIT_PII_HASH_KEY: key };
}

/**
 * `POST /v1/export/stream`: body = one header line `{ config }`, then NDJSON (or CSV, per `config.source.format`)
 * records; response = the training lines as NDJSON, produced as fast as the client reads them, with rejects and
 * a final stats line on request. Work stops when the client disconnects.
 */
export function exportStreamRoutes(ctx: AppContext, env: NodeJS.ProcessEnv): FastifyPluginAsyncZod {
  return async (app) => {
    // NDJSON reaches this route as the raw stream, never buffered; the handler enforces the stream limits. It takes
    // no other body type: a JSON body is a 415, not a 400 about the body's shape.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload));
    app.post(
      '/export/stream',
      {
        config: { scope: 'export' },
        schema: {
          tags: ['export'],
          querystring: QuerySchema,
          description:
            'Content-Type application/x-ndjson. Line 1: `{ "config": ExportConfig }`; every further line: one record ' +
            '(record line numbers in rejects count from the line after the header). Response: training lines as ' +
            'NDJSON; with ?rejects=true `{ "reject": … }` lines; with ?stats=true a last `{ "stats": … }` line; an ' +
            '`{ "error": … }` line when the export had to stop after the response started.',
        },
      },
      async (request, reply) => {
        const { limits } = ctx.config;
        const { header, rest } = await splitHeaderLine(limitedBody(request, limits.stream_body_bytes), limits.body_bytes);
        const parsedHeader = ExportStreamHeaderSchema.safeParse(header);
        if (!parsedHeader.success) {
          throw new ServerError('SERVER_BAD_REQUEST', `line 1: expected { "config": { … } }: ${parsedHeader.error.issues[0]?.message}`);
        }
        const raw = parsedHeader.data.config;
        refuseServerSideReferences(raw);
        const config = parseExportConfig({ ...raw, source: raw['source'] ?? { type: 'stdin' } }, { file: 'line 1 config' });
        // A stream has no quality report to judge: a gate would pass unseen, so a CI gate must use POST /v1/exports.
        if (config.quality_metrics.gates.length > 0) {
          throw new ServerError('SERVER_BAD_REQUEST', 'config.quality_metrics.gates: a stream has no quality report; run gates as a job (POST /v1/exports)');
        }
        await checkExportConfig(config, undefined, exporterEnv(env));
        // Set on parsing above: the request's own source, or the body.
        const source = await openSource(config.source as SourceConfig, { stdin: rest, cwd: ctx.dataDir });
        const signal = clientGone(reply);
        const query = request.query;
        const counter = ctx.metrics.exportRecords;
        const maxRecords = limits.stream_records;
        audit(request, { action: 'export.stream', target: 'request body', outcome: 'success', detail: 'started' });

        async function* lines(): AsyncGenerator<string | object> {
          let written = 0;
          let rejected = 0;
          // Lines are batched here, in the per-record loop, so each record costs one string append and no extra
          // async hop; sendNdjson gets ~32 KiB strings.
          let batch = '';
          try {
            for await (const event of exportRecords(source, config, { signal, env: exporterEnv(env), cwd: ctx.dataDir })) {
              if (event.kind === 'stats') {
                if (query.stats) batch += `${JSON.stringify({ stats: event.stats })}\n`;
                continue;
              }
              if (written + rejected >= maxRecords) {
                throw new ServerError('SERVER_PAYLOAD_TOO_LARGE', `more than ${maxRecords} records in one request`);
              }
              if (event.kind === 'line') {
                written++;
                if (query.split === undefined || event.split === query.split) batch += `${event.line}\n`;
              } else {
                rejected++;
                if (query.rejects) batch += `${JSON.stringify({ reject: event.reject })}\n`;
              }
              if (batch.length >= BATCH_CHARS) {
                yield batch;
                batch = '';
              }
            }
            if (batch.length > 0) yield batch;
          } catch (error) {
            // Lines produced before an error still go out, ahead of the error line sendNdjson writes.
            if (batch.length > 0 && !signal.aborted) yield batch;
            // The body's own limit, met while the source read it, keeps its code (SERVER_PAYLOAD_TOO_LARGE), which the
            // source would otherwise report as an unreadable input.
            throw error instanceof ExportError ? (serverCause(error) ?? error) : error;
          } finally {
            counter.inc({ endpoint: 'stream', kind: 'line' }, written);
            counter.inc({ endpoint: 'stream', kind: 'reject' }, rejected);
            await source.close();
            request.log.info(
              {
                audit: {
                  who: request.principal?.name ?? 'anonymous',
                  at: new Date().toISOString(),
                  action: 'export.stream',
                  target: 'request body',
                  outcome: signal.aborted ? 'failure' : 'success',
                  detail: { written, rejected, aborted: signal.aborted },
                },
              },
              'audit',
            );
          }
        }
        return sendNdjson(request, reply, lines());
      },
    );
  };
}

/** The ServerError an error was caused by, however deep in its causes (a reader wraps what its input stream threw). */
function serverCause(error: Error): ServerError | undefined {
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) if (cause instanceof ServerError) return cause;
  return undefined;
}
