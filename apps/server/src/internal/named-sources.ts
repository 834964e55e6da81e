import { relative, resolve } from 'node:path';
import { SourceConfigSchema, type SourceConfig } from '@lorakit/jsonl-exporter';
import { resolveInDataDir } from '../config.js';
import { ServerError } from '../errors.js';

/**
 * Validate the operator's named sources with jsonl-exporter's `SourceConfigSchema`, checking that file paths stay
 * inside the data directory. Paths are kept relative to it (jobs run with the data directory as their working
 * directory), so manifests and reject refs never show the server's absolute paths. Jobs may only name these.
 *
 * @throws ServerError `SERVER_CONFIG_INVALID` naming the source and field.
 */
export function resolveNamedSources(sources: Record<string, Record<string, unknown>>, dataDir: string): Map<string, SourceConfig> {
  const out = new Map<string, SourceConfig>();
  for (const [name, raw] of Object.entries(sources)) {
    const parsed = SourceConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ServerError('SERVER_CONFIG_INVALID', `sources.${name}: ${detail}`, { cause: parsed.error });
    }
    const source = parsed.data;
    if (source.type === 'stdin') {
      throw new ServerError('SERVER_CONFIG_INVALID', `sources.${name}: a named source cannot be stdin`);
    }
    // The data directory itself is "." (relative() gives "", which the export config refuses as an empty path).
    if ('path' in source) {
      source.path = relative(resolve(dataDir), resolveInDataDir(dataDir, source.path, `sources.${name}.path`)) || '.';
    }
    out.set(name, source);
  }
  return out;
}
