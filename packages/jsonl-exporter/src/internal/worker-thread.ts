import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A worker thread running `file` (a compiled module beside this one in dist/), or undefined when running from
 * TypeScript source, where there is no such file: callers then do the work on the calling thread.
 */
export function workerUrl(file: string): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  return new URL(`./${file}`, import.meta.url);
}

/** The parent's Node options a worker accepts, once known (see {@link startWorker}). */
let workerExecArgv: string[] | undefined;

/**
 * Starts a worker on `url` with the parent's Node options, minus two kinds:
 * - `--input-type`: a parent started as `node --input-type=module -e ...` would otherwise make every worker fail
 *   to load its file;
 * - options Node refuses in a worker's `execArgv` (ERR_WORKER_INVALID_EXEC_ARGV): V8 and process-wide options such
 *   as `--max-old-space-size` or `--expose-gc`. They apply to every thread of the process anyway, and a user who
 *   starts an export with `node --max-old-space-size=8192` must not see it fail.
 */
export function startWorker(url: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const start = (execArgv: string[]) => new Worker(url, resourceLimits ? { workerData, execArgv, resourceLimits } : { workerData, execArgv });
  if (workerExecArgv !== undefined) return start(workerExecArgv);
  let execArgv = process.execArgv.filter((arg, i, all) => !arg.startsWith('--input-type') && all[i - 1] !== '--input-type');
  for (let attempt = 0; ; attempt++) {
    try {
      const worker = start(execArgv);
      workerExecArgv = execArgv;
      return worker;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || execArgv.length === 0) throw error;
      // Node names the refused options ("... invalid execArgv flags: --a, --b"); should that not do, none are passed.
      const refused = new Set(((error as Error).message.split('flags: ')[1] ?? '').split(', '));
      execArgv = attempt === 0 ? execArgv.filter((arg) => !refused.has(arg)) : [];
    }
  }
}
