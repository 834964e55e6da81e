import type { AdapterMetadata } from '@lorakit/adapter-metadata';
import {
  compareBaseModels,
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
        const model = typeof serve['model'] === 'string' ? serve['model'] : undefined;
        const lora = serve['lora'];
        const maxLoraRankGiven = typeof lora === 'object' && lora !== null && 'maxLoraRank' in lora;
        for (const ref of adapters) {
          const record = ref.version
            ? await ctx.store.getAdapter(ref.id, ref.version)
            : await ctx.store.getLatestAdapter(ref.id);
          if (!record) throw new ServerError('SERVER_NOT_FOUND', `adapter ${ref.id}${ref.version ? `@${ref.version}` : ''} is not registered`);
          const meta = record.metadata as AdapterMetadata;
          const label = `${meta.adapter_id}@${meta.adapter_version}`;
          // An adapter is a delta of one base model: vLLM loads it on another and answers with garbage. Compared as
          // checkAdapter compares (which needs the files on disk): serving_name is the string given to `vllm serve`,
          // and the same model by another path (/models/<name>) is only a warning.
          if (model !== undefined) {
            const trainedOn = [meta.base_model.name, meta.base_model.serving_name].filter((n) => n !== undefined);
            const matches = trainedOn.map((n) => compareBaseModels(n, model));
            if (!matches.includes('same')) {
              const message = `adapter "${label}" was trained on ${meta.base_model.name}, but the deployment serves ${model}`;
              if (!matches.includes('other_path')) {
                throw new ServerError('SERVER_BAD_REQUEST', `${message}: a LoRA adapter only works on its own base model; deploy it with that model`);
              }
              warnings.push(`${message}: the same model by another path, it seems; set base_model.serving_name to the served string if so`);
            }
          }
          // A rank parsing filled in is not the adapter's: --max-lora-rank derived from it could be too low for vLLM.
          const rankMadeUp = (record.trainingDefaults ?? []).includes('training.lora_rank');
          if (rankMadeUp && !maxLoraRankGiven) {
            throw new ServerError(
              'SERVER_METADATA_INCOMPLETE',
              `adapter ${label} was registered without training.lora_rank, so --max-lora-rank cannot be derived: ` +
                'register a new version with it, or set serve.lora.maxLoraRank to at least the adapter\'s rank',
            );
          }
          served.push({
            name: meta.adapter_id,
            path: ref.path ?? `${root.replace(/\/+$/, '')}/${meta.adapter_id}/${meta.adapter_version}`,
            ...(!rankMadeUp && { rank: meta.training.lora_rank }),
          });
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
        // A manifest whose pod lacks the adapter directories cannot start, nor can a compose service that cannot
        // mount a relative one; the other formats are still useful.
        const orNull = (name: string, render: () => string): string | null => {
          try {
            return render();
          } catch (error) {
            if ((error as { code?: unknown }).code !== 'VLLM_CONFIG_INVALID') throw error;
            warnings.push(`${name} is null: ${(error as Error).message}`);
            return null;
          }
        };
        return {
          config,
          args: toServeArgs(config),
          command: toServeCommand(config),
          yaml: toServeYaml(config),
          env: toEnv(config),
          compose: orNull('compose', () => toComposeService(config)),
          kubernetes: orNull('kubernetes', () => toKubernetesManifest(config)),
          warnings: [...parsed.warnings, ...warnings],
        };
      },
    );
  };
}

