import { stringify } from 'yaml';
import { parseServeConfig, type ServeConfigInput } from './serve-config-schema.js';
import { toEnv } from './to-env.js';
import { toServeArgs } from './to-serve-args.js';

/**
 * A Kubernetes manifest (multi-document YAML): a Deployment running `vllm/vllm-openai` with `vllm serve` and the
 * args of {@link toServeArgs}, `nvidia.com/gpu` = `tensorParallelSize` in requests and limits, a memory-backed
 * `/dev/shm`, a readiness probe on `/health`, the adapter PVC at `/adapters` when `adapterVolumeClaim` is set;
 * and a ClusterIP Service on the serving port.
 * @throws VllmConfigError `VLLM_CONFIG_INVALID` when the config is invalid.
 */
export function toKubernetesManifest(config: ServeConfigInput): string {
  const c = parseServeConfig(config);
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
