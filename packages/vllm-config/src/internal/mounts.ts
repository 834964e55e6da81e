import type { ServeConfig } from '../serve-config-schema.js';

/**
 * Whether an adapter path names a local directory: absolute, starting with `./`, `../` or `~/` (or `.`, `..`, `~`
 * alone), or with two or more `/` (a Hub repo id is `name` or `org/name`). `org/name` vLLM downloads from the Hugging
 * Face Hub unless a directory of that name exists where it runs; a caller that knows it is a directory writes it
 * `./org/name` or absolute.
 */
export function isLocalPath(path: string): boolean {
  return path.startsWith('/') || /^(\.\.?|~)(\/|$)/.test(path) || path.replace(/\/+$/, '').split('/').length > 2;
}

/** Local directories the server reads (adapter dirs, resolver cache); repo ids are downloaded instead. */
export function localDirs(c: ServeConfig): string[] {
  const dirs = c.adapters.map((a) => a.path).filter(isLocalPath);
  if (c.resolverCacheDir !== undefined && isLocalPath(c.resolverCacheDir)) dirs.push(c.resolverCacheDir);
  return [...new Set(dirs)];
}
