/**
 * The parent's Node options for a worker thread, minus `--input-type`: workers inherit `process.execArgv`, and
 * a parent started as `node --input-type=module -e ...` would otherwise make every worker fail to load its file.
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((arg, i, all) => !arg.startsWith('--input-type') && all[i - 1] !== '--input-type');
}
