import { posix } from 'node:path';
import type { ExportConfig } from '../export-config.js';
import { refName } from '../sources/file-input.js';
import { sha256Hex } from './hash.js';

// The user part's password runs to the last `@` before the path: pg accepts an unencoded `@` in it (`p@ss`).
const URL_PASSWORD_RE = /(\/\/[^/:@\s]*:)[^/\s]*@/g;
// `password=` (or `sslpassword=`) as a URL query parameter or a `key=value` setting, its value quoted or not.
const PASSWORD_PARAM_RE = /(^|[?&\s])((?:ssl)?password=)(?:'(?:[^'\\]|\\.)*'?|[^&\s]*)/gi;

/**
 * A connection string (or any config text) with its passwords replaced by `[redacted]`: the password of a URL's
 * user part (up to its last `@`), and `password=` / `sslpassword=` settings in a URL's query (which pg reads) or in
 * libpq's `key=value` form.
 */
export function redactSecrets(text: string): string {
  return text.replace(URL_PASSWORD_RE, '$1[redacted]@').replace(PASSWORD_PARAM_RE, '$1$2[redacted]');
}

/**
 * The config as written into manifest.json and hashed for provenance: secrets (the PII HMAC key, passwords inside
 * connection strings) are replaced, so a manifest can be shared and the hash still identifies the settings.
 */
export function redactConfig(config: ExportConfig): ExportConfig {
  const copy = JSON.parse(JSON.stringify(config)) as ExportConfig;
  if (copy.pii.hash_key !== undefined) copy.pii.hash_key = '[redacted]';
  const source = (copy.source ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string') source[key] = redactSecrets(value);
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

/**
 * The SHA-256 identifying an export's settings (manifest `config_sha256`, adapter metadata `export_config_sha256`):
 * of the redacted config without thread counts, without `output.dir` and with the source file named by its base name.
 * Where a run reads and writes is not a setting: the same settings hash alike wherever they ran, and partitions merged
 * in any order, from any directories, hash as one run.
 */
export function configSha256(config: ExportConfig): string {
  return sha256Hex(settingsJson(config));
}

/** What {@link configSha256} hashes: the settings of `config` as JSON. */
export function settingsJson(config: ExportConfig): string {
  const redacted = redactConfig(config);
  return JSON.stringify(redacted, function (this: unknown, key: string, value: unknown) {
    if (this === redacted.output && key === 'dir') return undefined;
    if (this === redacted.source && key === 'path' && typeof value === 'string') return posix.basename(refName(value));
    return withoutThreads(key, value);
  });
}
