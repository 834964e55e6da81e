import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobStatus, RegistryStore } from './store/registry-store.js';

const JOB_STATES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** The server's Prometheus metrics, in their own registry (so several servers in one process do not collide). */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  exportRecords: Counter<'endpoint' | 'kind'>;
}

/** Create the metrics registry; job-state gauges are read from the store at scrape time. */
export function createServerMetrics(store: RegistryStore): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lorakit_server_' });
  const requests = new Counter({
    name: 'lorakit_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const exportRecords = new Counter({
    name: 'lorakit_export_records_total',
    help: 'Records processed by exports: kind=line (written), reject; endpoint=stream or job.',
    labelNames: ['endpoint', 'kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'lorakit_export_jobs',
    help: 'Export jobs by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await store.countJobs().catch(() => ({}) as Partial<Record<JobStatus, number>>);
      for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  return { registry, requests, exportRecords };
}
