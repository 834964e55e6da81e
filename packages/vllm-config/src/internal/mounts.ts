import type { ServeConfig } from '../serve-config-schema.js';

/** Absolute local directories the server reads (adapter dirs, resolver cache); repo ids are downloaded instead. */
export function localDirs(c: ServeConfig): string[] {
  const dirs = c.adapters.map((a) => a.path).filter((p) => p.startsWith('/'));
  if (c.resolverCacheDir !== undefined && c.resolverCacheDir.startsWith('/')) dirs.push(c.resolverCacheDir);
  return [...new Set(dirs)];
}
