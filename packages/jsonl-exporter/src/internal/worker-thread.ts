import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A worker thread running `file` (a compiled module beside this one in dist/), or undefined when running from
 * TypeScript source, where there is no such file: callers then do the work on the calling thread.
 */
export function workerUrl(file: string): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  return new URL(`./${file}`, import.meta.url);
}

/**
 * Starts a worker on `url` with the parent's Node options minus `--input-type`: workers inherit
 * `process.execArgv`, and a parent started as `node --input-type=module -e ...` would otherwise make every worker
 * fail to load its file.
 */
export function startWorker(url: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const execArgv = process.execArgv.filter((arg, i, all) => !arg.startsWith('--input-type') && all[i - 1] !== '--input-type');
  return new Worker(url, resourceLimits ? { workerData, execArgv, resourceLimits } : { workerData, execArgv });
}
