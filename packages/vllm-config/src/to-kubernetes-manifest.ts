import { stringify } from 'yaml';
import { VllmConfigError } from './errors.js';
import { localDirs } from './internal/mounts.js';
import { parseServeConfig, type ServeConfig, type ServeConfigInput } from './serve-config-schema.js';
import { toEnv } from './to-env.js';
import { toServeArgs } from './to-serve-args.js';

const ADAPTER_MOUNT = '/adapters';

// A directory the pod does not have makes vLLM exit at start-up ("Loading lora ... failed"): refuse the manifest
// instead. Only the adapter claim is mounted, at /adapters; Hugging Face repo ids (org/name) are downloaded.
function assertDirsMounted(c: ServeConfig): void {
  const outside = localDirs(c).filter((d) => c.adapterVolumeClaim === undefined || !`${d}/`.startsWith(`${ADAPTER_MOUNT}/`));
  if (outside.length === 0) return;
  const message = c.adapterVolumeClaim === undefined
    ? `the pod would not have ${outside.join(', ')}: set adapterVolumeClaim to a PersistentVolumeClaim holding the ` +
      `adapters (mounted read-only at ${ADAPTER_MOUNT}), with adapter paths under ${ADAPTER_MOUNT}`
    : `the pod would not have ${outside.join(', ')}: adapterVolumeClaim is mounted at ${ADAPTER_MOUNT}, so adapter ` +
      `paths must be under ${ADAPTER_MOUNT}`;
  const issue = { code: 'adapter_volume_missing', path: '/adapterVolumeClaim', message };
  throw new VllmConfigError('VLLM_CONFIG_INVALID', `no Kubernetes manifest: ${message}`, { issues: [issue] });
}

/**
 * A Kubernetes manifest (multi-document YAML): a Deployment running `vllm/vllm-openai` with `vllm serve` and the
 * args of {@link toServeArgs}, `nvidia.com/gpu` = `tensorParallelSize` in requests and limits, a memory-backed
 * `/dev/shm`, a readiness probe on `/health`, the adapter PVC at `/adapters` when `adapterVolumeClaim` is set;
 * and a ClusterIP Service on the serving port.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid, or when an adapter (or resolver cache)
 * path is a local directory the pod would not have: without `adapterVolumeClaim`, or outside `/adapters`.
 */
export function toKubernetesManifest(config: ServeConfigInput): string {
  const c = parseServeConfig(config);
  assertDirsMounted(c);
  const labels = { 'app.kubernetes.io/name': c.deploymentName, 'app.kubernetes.io/component': 'vllm' };
  const gpus = String(c.tensorParallelSize);
  const volumes: unknown[] = [{ name: 'dshm', emptyDir: { medium: 'Memory' } }];
  const mounts: unknown[] = [{ name: 'dshm', mountPath: '/dev/shm' }];
  if (c.adapterVolumeClaim !== undefined) {
    volumes.push({ name: 'adapters', persistentVolumeClaim: { claimName: c.adapterVolumeClaim, readOnly: true } });
    mounts.push({ name: 'adapters', mountPath: '/adapters', readOnly: true });
  }
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: c.deploymentName, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'vllm',
              image: c.image,
              command: ['vllm', 'serve'],
              args: toServeArgs(c),
              env: Object.entries(toEnv(c)).map(([name, value]) => ({ name, value })),
              ports: [{ name: 'http', containerPort: c.port }],
              resources: { requests: { 'nvidia.com/gpu': gpus }, limits: { 'nvidia.com/gpu': gpus } },
              readinessProbe: { httpGet: { path: '/health', port: c.port }, initialDelaySeconds: 30, periodSeconds: 10 },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: c.deploymentName, labels },
    spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: c.port, targetPort: c.port }] },
  };
  return `${stringify(deployment, { lineWidth: 0 })}---\n${stringify(service, { lineWidth: 0 })}`;
}
