import type { ExportConfig } from '../export-config.js';

const URL_PASSWORD_RE = /(\/\/[^/:@\s]*:)[^@/\s]+@/g;

/**
 * The config as written into manifest.json and hashed for provenance: secrets (the PII HMAC key, passwords inside
 * connection strings) are replaced, so a manifest can be shared and the hash still identifies the settings.
 */
export function redactConfig(config: ExportConfig): ExportConfig {
  const copy = JSON.parse(JSON.stringify(config)) as ExportConfig;
  if (copy.pii.hash_key !== undefined) copy.pii.hash_key = '[redacted]';
  const source = copy.source as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string') source[key] = value.replace(URL_PASSWORD_RE, '$1[redacted]@');
  }
  return copy;
}

/**
 * A `JSON.stringify` replacer dropping thread counts (`worker_threads`, `quality_metrics.worker_threads`): they
 * change how fast an export runs, never what it writes, so they stay out of config hashes and comparisons.
 */
export function withoutThreads(key: string, value: unknown): unknown {
  return key === 'worker_threads' ? undefined : value;
}
