import { stringify } from 'yaml';
import { localDirs } from './internal/mounts.js';
import { parseServeConfig, type ServeConfigInput } from './serve-config-schema.js';
import { toEnv } from './to-env.js';
import { toServeArgs } from './to-serve-args.js';

/**
 * A Docker Compose file (YAML) with one service running the `vllm/vllm-openai` image: entrypoint `vllm serve`, the
 * args of {@link toServeArgs}, the env of {@link toEnv}, all GPUs of `tensorParallelSize` reserved, host IPC
 * (tensor parallelism uses shared memory), the Hugging Face cache and each absolute adapter directory mounted
 * read-only at the same path.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid.
 */
export function toComposeService(config: ServeConfigInput): string {
  const c = parseServeConfig(config);
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
