import type { AdapterMetadata } from '@lorakit/adapter-metadata';
import {

  safeParseServeConfig,
  toComposeService,
  toEnv,
  toKubernetesManifest,
  toServeArgs,
  toServeCommand,
  toServeYaml,
  type ServeAdapter,
} from '@lorakit/vllm-config';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServerError } from '../errors.js';
import type { AppContext } from '../internal/context.js';

/** Body of `POST /v1/deployments/vllm`. */
export const DeploymentRequestSchema = z
  .object({
    serve: z
      .record(z.string(), z.unknown())
      .describe('A vllm-config ServeConfig (model, vllmVersion, lora, adapters, …); registry adapters are added to it.'),
    adapters: z
      .array(
        z
          .object({
            id: z.string().min(1),
            version: z.string().min(1).optional().describe('Default: the latest registered version.'),
            path: z.string().min(1).optional().describe('Adapter directory as vLLM sees it. Default: <adapter_root>/<id>/<version>.'),
          })
          .strict(),
      )
      .default([])
      .describe('Registered adapters to serve, by id.'),
    adapter_root: z.string().min(1).default('/adapters').describe('Where adapters live for vLLM, for the default paths.'),
  })
  .strict();

/**
 * `POST /v1/deployments/vllm`: registered adapters (plus a serve config) → serve args, command, YAML, env,
 * compose service and Kubernetes manifest, with servability warnings.
 */
export function deploymentRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/deployments/vllm',
      { config: { scope: 'read' }, schema: { tags: ['registry'], body: DeploymentRequestSchema } },
      async (request) => {
        const { serve, adapters, adapter_root: root } = request.body;
        const warnings: string[] = [];
        const served: ServeAdapter[] = [];
        for (const ref of adapters) {
          const record = ref.version
            ? await ctx.store.getAdapter(ref.id, ref.version)
            : await ctx.store.getLatestAdapter(ref.id);
          if (!record) throw new ServerError('SERVER_NOT_FOUND', `adapter ${ref.id}${ref.version ? `@${ref.version}` : ''} is not registered`);
          const meta = record.metadata as AdapterMetadata;
          served.push({
            name: meta.adapter_id,
            path: ref.path ?? `${root.replace(/\/+$/, '')}/${meta.adapter_id}/${meta.adapter_version}`,
            rank: meta.training.lora_rank,
          });
          // Belongs in vllm-config (a metadata-level servability check); checkAdapter needs the files on disk.
          const model = typeof serve['model'] === 'string' ? serve['model'] : undefined;
          if (model !== undefined && meta.base_model.name !== model) {
            warnings.push(`adapter "${meta.adapter_id}@${meta.adapter_version}" was trained on ${meta.base_model.name}, but the deployment serves ${model}`);
          }
        }
        const existing = Array.isArray(serve['adapters']) ? (serve['adapters'] as unknown[]) : [];
        const parsed = safeParseServeConfig({ ...serve, adapters: [...existing, ...served] });
        if (!parsed.success) {
          const issues = parsed.issues.map((i) => ({ path: `/serve${i.path}`, message: i.message }));
          const error = new ServerError(
            'SERVER_BAD_REQUEST',
            `invalid serve config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          ) as ServerError & { issues: typeof issues };
          error.issues = issues;
          throw error;
        }
        const config = parsed.data;
        // A manifest whose pod lacks the adapter directories cannot start; the other formats are still useful.
        let kubernetes: string | null = null;
        try {
          kubernetes = toKubernetesManifest(config);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'VLLM_CONFIG_INVALID') throw error;
          warnings.push(`kubernetes is null: ${(error as Error).message}`);
        }
        return {
          config,
          args: toServeArgs(config),
          command: toServeCommand(config),
          yaml: toServeYaml(config),
          env: toEnv(config),
          compose: toComposeService(config),
          kubernetes,
          warnings: [...parsed.warnings, ...warnings],
        };
      },
    );
  };
}

