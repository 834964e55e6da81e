import type { AdapterMetadata } from '@lorakit/adapter-metadata';
import { createAdapterRouter, type AdapterRouter } from '@lorakit/vllm-config';
import { ServerError } from '../errors.js';
import type { RegistryStore } from '../store/registry-store.js';

const PAGE = 500;

/** The latest version of every registered adapter. */
export async function latestAdapters(store: RegistryStore): Promise<AdapterMetadata[]> {
  const out: AdapterMetadata[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { items, total } = await store.listAdapters({ limit: PAGE, offset });
    for (const item of items) out.push(item.metadata as AdapterMetadata);
    if (offset + PAGE >= total || items.length === 0) return out;
  }
}

/** Options of {@link createRouterCache}. */
export interface RouterCacheOptions {
  /** `router.base_model`; routing refuses to run without it (it could not tell which adapters vLLM can apply). */
  baseModel: string | undefined;
  /** `router.served_model_name`: the `model` vLLM knows the base model by, when not `baseModel`. */
  servedModelName?: string;
  threshold?: number;
  locale?: string;
  /** Rebuild at least this often, so registrations made by another server instance are seen. */
  ttlMs: number;
}

/**
 * The vllm-config router fed from the registry, rebuilt after a registration in this process or once `ttlMs` passed.
 * `get()` rejects with `SERVER_ROUTER_NOT_CONFIGURED` when no base model is configured.
 */
export function createRouterCache(store: RegistryStore, options: RouterCacheOptions) {
  let router: Promise<AdapterRouter> | undefined;
  let builtAt = 0;
  return {
    invalidate(): void {
      router = undefined;
    },
    get(): Promise<AdapterRouter> {
      const baseModel = options.baseModel;
      if (baseModel === undefined) {
        return Promise.reject(
          new ServerError(
            'SERVER_ROUTER_NOT_CONFIGURED',
            'adapter routing needs router.base_model in the server config: the base model vLLM serves, so that only ' +
              'adapters trained on it are chosen and it answers when none fits',
          ),
        );
      }
      if (!router || Date.now() - builtAt > options.ttlMs) {
        builtAt = Date.now();
        router = latestAdapters(store).then((adapters) =>
          createAdapterRouter(adapters, {
            baseModel,
            ...(options.servedModelName !== undefined && { servedModelName: options.servedModelName }),
            ...(options.threshold !== undefined && { threshold: options.threshold }),
            ...(options.locale !== undefined && { locale: options.locale }),
          }),
        );
        router.catch(() => {
          router = undefined;
        });
      }
      return router;
    },
  };
}

/** What {@link createRouterCache} returns. */
export type RouterCache = ReturnType<typeof createRouterCache>;
