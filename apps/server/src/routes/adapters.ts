import {
  isNewerVersion,
  missingLoraHyperparameters,
  resolveLineage,
  safeParseAdapterMetadata,
  toModelCard,
  toPeftConfig,
  type AdapterMetadata,
} from '@lorakit/adapter-metadata';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';
import { audit } from '../internal/context.js';
import type { AdapterRecord } from '../store/registry-store.js';

const IdParams = z.object({ id: z.string().min(1) });


const IdVersionParams = z.object({ id: z.string().min(1), version: z.string().min(1) });

/** One registered adapter version as the API returns it. */
function view(record: AdapterRecord) {
  return {
    id: record.id,
    version: record.version,
    domain: record.domain,
    base_model: record.baseModel,
    task: record.task,
    created_at: record.createdAt,
    created_by: record.createdBy,
    metadata: record.metadata,
  };
}

class IssuesError extends ServerError {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super('SERVER_BAD_REQUEST', message);
  }
}

/**
 * The adapter registry: register (admin, 409 on an existing id + version), list with filters and pages, versions,
 * one version, lineage, model card (markdown), PEFT `adapter_config.json`.
 */
export function adapterRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const { store } = ctx;
  /**
   * The metadata of a registered version, for a file that states its LoRA hyper-parameters. Parsing filled the ones
   * the registration left out with defaults that are not what the adapter was trained with: refused (422).
   */
  const completeMetadataOf = async (id: string, version: string, file: string): Promise<AdapterMetadata> => {
    const record = await store.getAdapter(id, version);
    if (!record) throw new ServerError('SERVER_NOT_FOUND', `adapter ${id}@${version} is not registered`);
    const missing = record.trainingDefaults ?? [];
    if (missing.length > 0) {
      throw new ServerError(
        'SERVER_METADATA_INCOMPLETE',
        `adapter ${id}@${version} was registered without ${missing.join(', ')}: ${file} would carry made-up values ` +
          `that do not match the trained weights; register a new version with them (PEFT's adapter_config.json of ` +
          `the training run has r, lora_alpha and lora_dropout)`,
      );
    }
    return record.metadata as AdapterMetadata;
  };
  /** A registered version's metadata, or the latest version's without a version: the lookup lineage resolves with. */
  const storedMetadata = async (id: string, version: string | undefined): Promise<AdapterMetadata | undefined> =>
    ((version !== undefined ? await store.getAdapter(id, version) : await store.getLatestAdapter(id))?.metadata as AdapterMetadata | undefined);

  return async (app) => {
    app.post(
      '/adapters',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['registry'],
          description:
            'Register an adapter version: the body is adapter_metadata.json (validated by @lorakit/adapter-metadata; ' +
            'legacy number strings are normalised). 409 when this id + version exists: versions are immutable.',
          response: {
            201: z.object({
              id: z.string(),
              version: z.string(),
              warnings: z.array(z.object({ path: z.string(), message: z.string() })).describe('unknown keys kept, legacy values normalised'),
            }),
          },
        },
      },
      async (request, reply) => {
        const parsed = safeParseAdapterMetadata(request.body);
        if (!parsed.success) {
          audit(request, { action: 'adapter.register', target: 'adapters', outcome: 'failure', detail: 'invalid metadata' });
          const issues = parsed.issues.map((i) => ({ path: i.path, message: i.message }));
          throw new IssuesError(`invalid adapter metadata: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
        }
        const meta = parsed.data;
        const target = `${meta.adapter_id}@${meta.adapter_version}`;
        const insert = () =>
          store.insertAdapter({
            id: meta.adapter_id,
            version: meta.adapter_version,
            domain: meta.task.domain ?? null,
            baseModel: meta.base_model.name,
            task: meta.task.type ?? null,
            metadata: meta,
            trainingDefaults: missingLoraHyperparameters(request.body),
            createdBy: request.principal?.name ?? 'anonymous',
            createdAt: new Date().toISOString(),
          });
        // Versions are immutable: a registration that closes a lineage cycle would break the lineage of both adapters
        // and their children for good. Resolved as if this version were registered (and, if it would be, the latest).
        const checkLineage = () =>
          resolveLineage(meta.adapter_id, async (id, version) => {
            if (id === meta.adapter_id && version === meta.adapter_version) return meta;
            const stored = await storedMetadata(id, version);
            if (id === meta.adapter_id && version === undefined && (stored === undefined || isNewerVersion(meta.adapter_version, stored.adapter_version))) return meta;
            return stored;
          }, { version: meta.adapter_version }).catch((error: unknown) => {
            const code = (error as { code?: string }).code;
            // A parent not registered yet is allowed, as before: lineage says so when asked.
            if (code === 'METADATA_PARENT_NOT_FOUND') return;
            if (code === 'METADATA_LINEAGE_CYCLE') audit(request, { action: 'adapter.register', target, outcome: 'failure', detail: 'lineage cycle' });
            throw error;
          });
        // Checked and inserted under the store's registration lock: two registrations naming each other as parent
        // would otherwise both pass the check before either is inserted (seen 8 times in 10 on PostgreSQL).
        const outcome =
          meta.provenance.parent_adapter_id === undefined
            ? await insert()
            : await store.serializeRegistrations(async () => {
                await checkLineage();
                return insert();
              });
        if (outcome === 'conflict') {
          audit(request, { action: 'adapter.register', target, outcome: 'failure', detail: 'conflict' });
          throw new ServerError('SERVER_CONFLICT', `adapter ${target} is already registered; register a new version instead`);
        }
        ctx.router.invalidate();
        audit(request, { action: 'adapter.register', target, outcome: 'success' });
        return reply.status(201).send({
          id: meta.adapter_id,
          version: meta.adapter_version,
          warnings: parsed.warnings.map((w) => ({ path: w.path, message: w.message })),
        });
      },
    );

    app.get(
      '/adapters',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['registry'],
          description: 'Latest version of each adapter, ordered by id; filter by domain, base model, task type.',
          querystring: z.object({
            domain: z.string().min(1).optional(),
            base_model: z.string().min(1).optional(),
            task: z.string().min(1).optional().describe('task.type'),
            limit: z.coerce.number().int().min(1).max(ctx.config.limits.page_size_max).default(50),
            offset: z.coerce.number().int().min(0).default(0),
          }),
        },
      },
      async (request) => {
        const q = request.query;
        const { items, total } = await store.listAdapters({
          ...(q.domain !== undefined && { domain: q.domain }),
          ...(q.base_model !== undefined && { baseModel: q.base_model }),
          ...(q.task !== undefined && { task: q.task }),
          limit: q.limit,
          offset: q.offset,
        });
        const next = q.offset + items.length;
        return { items: items.map(view), total, limit: q.limit, offset: q.offset, next_offset: next < total ? next : null };
      },
    );

    app.get(
      '/adapters/:id',
      { config: { scope: 'read' }, schema: { tags: ['registry'], params: IdParams } },
      async (request) => {
        const versions = await store.listAdapterVersions(request.params.id);
        if (versions.length === 0) throw new ServerError('SERVER_NOT_FOUND', `adapter ${request.params.id} is not registered`);
        return { id: request.params.id, versions: versions.map(view) };
      },
    );

    app.get(
      '/adapters/:id/lineage',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['registry'],
          params: IdParams,
          querystring: z.object({ version: z.string().min(1).optional().describe('Default: the latest version.') }),
        },
      },
      async (request) => {
        const chain = await resolveLineage(
          request.params.id,
          storedMetadata,
          request.query.version === undefined ? {} : { version: request.query.version },
        );
        return { chain: chain.map((m) => ({ id: m.adapter_id, version: m.adapter_version, metadata: m })) };
      },
    );

    app.get(
      '/adapters/:id/:version',
      { config: { scope: 'read' }, schema: { tags: ['registry'], params: IdVersionParams } },
      async (request) => {
        const record = await store.getAdapter(request.params.id, request.params.version);
        if (!record) {
          throw new ServerError('SERVER_NOT_FOUND', `adapter ${request.params.id}@${request.params.version} is not registered`);
        }
        return view(record);
      },
    );

    app.get(
      '/adapters/:id/:version/card',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['registry'],
          params: IdVersionParams,
          description:
            'Hugging Face model card (README.md), text/markdown. 422 when the registration left out ' +
            'training.lora_rank, lora_alpha or lora_dropout: the card would state defaults as the trained values.',
        },
      },
      async (request, reply) => {
        const { id, version } = request.params;
        const card = toModelCard(await completeMetadataOf(id, version, 'a model card'));
        return reply.type('text/markdown; charset=utf-8').send(card.markdown);
      },
    );

    app.get(
      '/adapters/:id/:version/peft-config',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['registry'],
          params: IdVersionParams,
          description:
            'PEFT adapter_config.json generated from the metadata. 422 when the registration left out ' +
            'training.lora_rank, lora_alpha or lora_dropout: the file would carry defaults, not the trained values.',
        },
      },
      async (request) => {
        const { id, version } = request.params;
        return toPeftConfig(await completeMetadataOf(id, version, 'an adapter_config.json'));
      },
    );
  };
}
