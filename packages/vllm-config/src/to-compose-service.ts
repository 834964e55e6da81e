import { stringify } from 'yaml';
import { VllmConfigError } from './errors.js';
import { localDirs } from './internal/mounts.js';
import { parseServeConfig, type ServeConfig, type ServeConfigInput } from './serve-config-schema.js';
import { toEnv } from './to-env.js';
import { toServeArgs } from './to-serve-args.js';

/**
 * A Docker Compose file (YAML) with one service running the `vllm/vllm-openai` image: entrypoint `vllm serve`, the
 * args of {@link toServeArgs}, the env of {@link toEnv}, all GPUs of `tensorParallelSize` reserved, host IPC
 * (tensor parallelism uses shared memory), the Hugging Face cache and each local adapter directory mounted
 * read-only at the same path.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid, or when a local adapter (or resolver
 * cache) path is relative (`./legal`): it could not be mounted at the same path, which Compose needs absolute.
 */
export function toComposeService(config: ServeConfigInput): string {
  const c = parseServeConfig(config);
  assertDirsAbsolute(c);
  const env = Object.fromEntries(Object.entries(toEnv(c)).map(([k, v]) => [k, literal(v)]));
  const service: Record<string, unknown> = {
    image: literal(c.image),
    entrypoint: ['vllm', 'serve'],
    command: toServeArgs(c).map(literal),
    ports: [`${c.port}:${c.port}`],
    ipc: 'host',
    // ${HOME} is the one value Compose is meant to fill in.
    volumes: ['${HOME}/.cache/huggingface:/root/.cache/huggingface', ...localDirs(c).map((d) => literal(`${d}:${d}:ro`))],
    deploy: {
      resources: {
        reservations: { devices: [{ driver: 'nvidia', count: c.tensorParallelSize, capabilities: ['gpu'] }] },
      },
    },
  };
  if (Object.keys(env).length > 0) service['environment'] = env;
  return stringify({ services: { [c.deploymentName]: service } }, { lineWidth: 0 });
}

/** A value Compose must take as written: it replaces `$VAR` and `${VAR}` in every string, `$$` is a literal `$`. */
function literal(value: string): string {
  return value.replaceAll('$', '$$$$');
}

// vLLM in the container resolves a relative path against its own working directory, which holds no mount.
function assertDirsAbsolute(c: ServeConfig): void {
  const relative = localDirs(c).filter((d) => !d.startsWith('/'));
  if (relative.length === 0) return;
  const message = `compose mounts each local adapter directory at the same path in the container, which must be ` +
    `absolute: write ${relative.join(', ')} as an absolute path`;
  const issues = relative.map((d) => {
    const i = c.adapters.findIndex((a) => a.path === d);
    return { code: 'adapter_path_relative', path: i === -1 ? '/resolverCacheDir' : `/adapters/${i}/path`, message };
  });
  throw new VllmConfigError('VLLM_CONFIG_INVALID', `no compose service: ${message}`, { issues });
}
