import { compileSchema, readJsonl, type Issue, type Validator } from '@lorakit/schema-validation';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';
import { clientGone } from '../internal/context.js';
import { limitedBody, sendNdjson } from '../internal/ndjson.js';
import { splitHeaderLine } from '../internal/split-header.js';

const JsonSchemaSchema = z
  .union([z.record(z.string(), z.unknown()), z.boolean()])
  .describe('A JSON Schema (draft-07, 2019-09 or 2020-12).');
const FormatsSchema = z
  .enum(['spec', 'assert'])
  .default('assert')
  .describe('spec: formats as the draft says; assert: every known format is checked (what the exporter does).');

/** Body of a single-sample `POST /v1/validate` (application/json). */
export const ValidateRequestSchema = z
  .object({ schema: JsonSchemaSchema, sample: z.unknown().describe('The value to validate.'), formats: FormatsSchema })
  .strict();

/** First line of a streamed `POST /v1/validate` (application/x-ndjson); every following line is one sample. */
export const ValidateStreamHeaderSchema = z.object({ schema: JsonSchemaSchema, formats: FormatsSchema }).strict();

const IssueSchema = z.object({
  code: z.string(),
  path: z.string(),
  message: z.string(),
  keyword: z.string().optional(),
  schemaPath: z.string().optional(),
  line: z.number().optional(),
});

function badBody(what: string, error: z.ZodError): ServerError {
  const detail = error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  return new ServerError('SERVER_BAD_REQUEST', `${what}: ${detail}`, { cause: error });
}

/**
 * `POST /v1/validate`: one sample as JSON (`{ schema, sample }` → `{ valid, issues }`), or NDJSON streamed in
 * (first line `{ schema }`, then one sample per line) with results streamed out, one line per sample with its
 * physical line number, then a `{ summary }` line. Memory stays constant for any body size.
 */
export function validateRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // NDJSON reaches this route as the raw stream; other routes answer 415 to it (the parser is this plugin's).
    app.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload));
    app.post(
      '/validate',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['validate'],
          description:
            'application/json: `{ schema, sample, formats? }` → `{ valid, issues }`. application/x-ndjson: first line ' +
            '`{ schema, formats? }`, then one sample per line → NDJSON `{ line, valid, issues? }` per sample and a last ' +
            '`{ summary }` line (an `{ error }` line if the stream had to stop, e.g. over the record limit).',
          response: { 200: z.object({ valid: z.boolean(), issues: z.array(IssueSchema) }) },
        },
      },
      async (request, reply) => {
        // Media types are case-insensitive, as Fastify's parser lookup is.
        const isStream = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-ndjson');
        if (!isStream) {
          const parsed = ValidateRequestSchema.safeParse(request.body);
          if (!parsed.success) throw badBody('validate body', parsed.error);
          const validator = await compileSchema(parsed.data.schema, { formats: parsed.data.formats });
          const result = validator.validate(parsed.data.sample);
          return { valid: result.success, issues: result.success ? [] : result.issues };
        }

        const { limits } = ctx.config;
        // The header line is held whole to compile it: at most limits.body_bytes, as the export stream's.
        const split = await splitHeaderLine(limitedBody(request, limits.stream_body_bytes), limits.body_bytes);
        const reader = readJsonl(split.rest, { firstLine: 2 });
        const records = reader[Symbol.asyncIterator]();
        const header = ValidateStreamHeaderSchema.safeParse(split.header);
        if (!header.success) throw badBody('line 1', header.error);
        const validator: Validator = await compileSchema(header.data.schema, { formats: header.data.formats });
        const signal = clientGone(reply);

        async function* results() {
          let samples = 0;
          let valid = 0;
          let invalid = 0;
          try {
            for (let next = await records.next(); !next.done; next = await records.next()) {
              if (signal.aborted) return;
              const record = next.value;
              if (++samples > limits.stream_records) {
                throw new ServerError('SERVER_PAYLOAD_TOO_LARGE', `more than ${limits.stream_records} records in one request`);
              }
              let issues: Issue[] = record.issues;
              if (issues.length === 0) {
                const result = validator.validate(record.value);
                if (!result.success) issues = result.issues.map((i) => ({ ...i, line: record.line }));
              }
              if (issues.length === 0) {
                valid++;
                yield { line: record.line, valid: true };
              } else {
                invalid++;
                yield { line: record.line, valid: false, issues };
              }
            }
            const read = reader.summary();
            yield { summary: { lines: read.lines, blank: read.blank, samples, valid, invalid } };
          } finally {
            await records.return?.();
          }
        }
        return sendNdjson(request, reply, results());
      },
    );
  };
}
