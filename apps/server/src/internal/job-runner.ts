import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runExport, type ExportConfig, type ExportProgress, type ExportResult } from '@lorakit/jsonl-exporter';
import type { GateEvaluation } from '@lorakit/quality-metrics';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerMetrics } from '../metrics.js';
import type { JobPatch, JobRecord, RegistryStore } from '../store/registry-store.js';

/** Options of {@link createJobRunner}. */
export interface JobRunnerOptions {
  store: RegistryStore;
  metrics: ServerMetrics;
  concurrency: number;
  env: NodeJS.ProcessEnv;
  log: FastifyBaseLogger;
  /** Progress is written to the store at most this often. @default 1000 */
  progressIntervalMs?: number;
  /**
   * A job's end that the store does not take (it is down) is retried, after 0.5 s, then twice as long each time up
   * to 30 s, for this long; the job would otherwise stay `running` until a restart. @default 600000 (10 minutes)
   */
  endRetryMs?: number;
}

interface Pending {
  id: string;
  config: ExportConfig;
  cwd: string;
}

/** Output directory of a job relative to the data directory (the job's working directory): `exports/<id>`. */
export function jobOutputPath(id: string): string {
  return join('exports', id);
}

/** Output directory of a job: `<dataDir>/exports/<id>`. */
export function jobOutputDir(dataDir: string, id: string): string {
  return join(dataDir, jobOutputPath(id));
}

/**
 * Clients see job errors: files are named relative to the data directory, as the sources are configured, and the data
 * directory itself is `.` (not in a sibling such as `<dataDir>2` or `<dataDir>.old`; a sentence's full stop may follow).
 */
function relativeToDataDir(message: string, dataDir: string): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const inside = new RegExp(`${escape(dataDir)}(?:${escape(sep)}|(?![\\w~-]|\\.[\\w.~-]))`, 'g');
  return message.replace(inside, (match) => (match.length > dataDir.length ? '' : '.'));
}

/**
 * What a job's `quality` column holds: the report and the gate verdicts. Jobs stored by earlier releases hold the
 * bare report there (no gates).
 */
interface StoredQuality {
  report: unknown;
  gates: GateEvaluation | null;
}

/**
 * Error codes of a job whose export ran to the end but whose data must not be used, as the CLI exits 1 for them:
 * a quality gate failed, or records were read and every one was rejected. The output files stay downloadable.
 */
export type JobVerdictCode = 'EXPORT_GATES_FAILED' | 'EXPORT_NOTHING_EXPORTED';

/** The error a finished export ends its job with, null when the job succeeded. */
export function jobVerdict(result: Pick<ExportResult, 'stats' | 'gates'>): { code: JobVerdictCode; message: string } | null {
  const gates = result.gates;
  if (gates !== undefined && !gates.passed) {
    const failed = gates.failed.map((g) => `${g.gate} (actual ${g.actual === null ? 'not measured' : String(g.actual)})`);
    return { code: 'EXPORT_GATES_FAILED', message: `quality gates failed: ${failed.join(', ')}` };
  }
  const { read, exported } = result.stats;
  if (read > 0 && exported === 0) {
    return {
      code: 'EXPORT_NOTHING_EXPORTED',
      message: `all ${read} records read were rejected: see rejects.jsonl for why`,
    };
  }
  return null;
}

/**
 * Runs export jobs with a concurrency cap: later jobs wait in a FIFO queue. Cancelling aborts a running export
 * (the exporter removes its temp output) or drops a queued one.
 */
export function createJobRunner(options: JobRunnerOptions) {
  const queue: Pending[] = [];
  const running = new Map<string, AbortController>();
  const done = new Set<Promise<void>>();
  // The completion of each running job: cancel() waits for its own job only, never for the others.
  const finished = new Map<string, Promise<void>>();
  let closed = false;
  const closing = new AbortController();

  const now = () => new Date().toISOString();

  /** Store a job's end, retrying while the store is down (see endRetryMs) and the runner is not closed. */
  async function recordEnd(id: string, patch: JobPatch): Promise<void> {
    const deadline = Date.now() + (options.endRetryMs ?? 600_000);
    for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        await options.store.updateJob(id, patch);
        return;
      } catch (error) {
        if (closed || Date.now() + delay > deadline) throw error;
        options.log.warn({ err: error, job: id }, `could not store the end of job ${id}; trying again in ${delay / 1000} s`);
        // Closing cuts the wait short (one more try, then the next start marks the job interrupted).
        await sleep(delay, undefined, { signal: closing.signal }).catch(() => undefined);
      }
    }
  }

  async function run(job: Pending): Promise<void> {
    const controller = new AbortController();
    running.set(job.id, controller);
    const { store } = options;
    try {
      await store.updateJob(job.id, { status: 'running', startedAt: now() });
      let lastWrite: Promise<unknown> = Promise.resolve();
      const result = await runExport(job.config, {
        cwd: job.cwd,
        signal: controller.signal,
        env: options.env,
        progressIntervalMs: options.progressIntervalMs ?? 1000,
        onProgress: (progress: ExportProgress) => {
          // Progress writes are chained so they land in order and never overlap the final update.
          lastWrite = lastWrite.then(() => store.updateJob(job.id, { progress }).catch(() => undefined));
        },
      });
      await lastWrite;
      const outDir = resolve(job.cwd, job.config.output.dir);
      const files: string[] = [];
      for (const entry of await readdir(outDir, { withFileTypes: true })) if (entry.isFile()) files.push(entry.name);
      files.sort();
      options.metrics.exportRecords.inc({ endpoint: 'job', kind: 'line' }, result.stats.exported);
      options.metrics.exportRecords.inc({ endpoint: 'job', kind: 'reject' }, result.stats.rejected);
      const verdict = jobVerdict(result);
      try {
        await recordEnd(job.id, {
          status: verdict === null ? 'succeeded' : 'failed',
          finishedAt: now(),
          stats: result.stats,
          quality: { report: result.report ?? null, gates: result.gates ?? null } satisfies StoredQuality,
          files,
          // A job another server marked interrupted while this one ran it must not keep that error once it finished.
          error: verdict,
        });
      } catch (error) {
        // The export is done and its files are written: a store that never came back must not make it a failure.
        options.log.error({ err: error, job: job.id }, `could not store the end of job ${job.id}`);
        return;
      }
      options.log.info(
        {
          audit: {
            who: 'job-runner', action: 'export.job', target: job.id, outcome: verdict === null ? 'success' : 'failure',
            ...(verdict === null ? {} : { detail: verdict.code }), at: now(),
          },
        },
        'audit',
      );
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : 'SERVER_INTERNAL';
      const cancelled = controller.signal.aborted && !closed;
      const message = relativeToDataDir(String(e.message), resolve(job.cwd));
      await recordEnd(job.id, {
        status: cancelled ? 'cancelled' : 'failed',
        finishedAt: now(),
        error: closed ? { code: 'interrupted', message: 'the server stopped while the job ran' } : { code, message },
      }).catch(() => undefined);
      options.log.info(
        { audit: { who: 'job-runner', action: 'export.job', target: job.id, outcome: 'failure', detail: code, at: now() } },
        'audit',
      );
    } finally {
      running.delete(job.id);
    }
  }

  function pump(): void {
    while (!closed && running.size < options.concurrency && queue.length > 0) {
      const next = queue.shift() as Pending;
      const p = run(next).finally(() => {
        done.delete(p);
        finished.delete(next.id);
        pump();
      });
      done.add(p);
      finished.set(next.id, p);
    }
  }

  return {
    /** Queue a job already stored as `queued`. */
    submit(id: string, config: ExportConfig, cwd: string): void {
      queue.push({ id, config, cwd });
      pump();
    },
    /** Cancel a queued or running job; false when it is neither (finished, unknown, or on another server). */
    async cancel(id: string): Promise<boolean> {
      const index = queue.findIndex((j) => j.id === id);
      if (index !== -1) {
        queue.splice(index, 1);
        await options.store.updateJob(id, { status: 'cancelled', finishedAt: now() });
        return true;
      }
      const controller = running.get(id);
      if (!controller) return false;
      controller.abort();
      // The exporter removes its temp output on abort: answer once this job's final state is stored.
      await finished.get(id);
      return true;
    },
    /** Jobs running now. */
    runningCount: () => running.size,
    /** Stop: queued jobs and running ones (aborted) end as `failed` + `interrupted`. */
    async close(): Promise<void> {
      closed = true;
      closing.abort();
      for (const job of queue.splice(0)) {
        await options.store
          .updateJob(job.id, { status: 'failed', finishedAt: now(), error: { code: 'interrupted', message: 'the server stopped before the job ran' } })
          .catch(() => undefined);
      }
      for (const controller of running.values()) controller.abort();
      await Promise.all([...done]);
    },
  };
}

// What the exporter leaves beside `exports/<id>` when its process dies: the temp output and the output lock.
const LEFTOVER = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(?:tmp-[0-9a-f]+|lock)$/;

/** The exporter refreshes its output lock every few seconds and takes one over at 30 s; younger is alive. */
const LIVE_LOCK_MS = 30_000;

async function isFreshLock(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < LIVE_LOCK_MS;
}

/** How long after start-up {@link removeJobLeftovers} looks again: a crashed job's lock is stale by then. */
export const LEFTOVER_SWEEP_MS = 2 * LIVE_LOCK_MS;

/**
 * Remove `exports/<id>.tmp-<hex>` and `exports/<id>.lock` a process that died (crash, SIGKILL) left behind, unless
 * the lock is fresh (another live server sharing the data dir runs the job, or the process died under 30 s ago).
 * At start-up (`atStartup`) that includes jobs still queued or running in the store, which are about to be marked
 * interrupted; later (a sweep {@link LEFTOVER_SWEEP_MS} after start-up, for a restart that came before the lock went
 * stale) only those of jobs that are not, since this process may be running them.
 */
export async function removeJobLeftovers(store: RegistryStore, dataDir: string, log: FastifyBaseLogger, atStartup: boolean): Promise<void> {
  const dir = join(dataDir, 'exports');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // no exports yet
  }
  for (const name of names) {
    const id = LEFTOVER.exec(name)?.[1];
    if (id === undefined) continue;
    const job = await store.getJob(id);
    const unfinished = job?.status === 'queued' || job?.status === 'running';
    if (unfinished && !atStartup) continue;
    // A lock its export still refreshes belongs to a live server sharing this data dir: leave its files alone.
    if (await isFreshLock(join(dir, `${id}.lock`))) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
    } catch (error) {
      log.warn({ err: error, path: join('exports', name) }, 'could not remove the leftover of an interrupted export job');
    }
  }
}

/** What {@link createJobRunner} returns. */
export type JobRunner = ReturnType<typeof createJobRunner>;

/** Size of a job's output file, or undefined when missing. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

function storedGates(quality: unknown): { passed: boolean; results: unknown[]; failed: unknown[] } | null {
  if (typeof quality !== 'object' || quality === null || !('gates' in quality)) return null;
  const gates = (quality as StoredQuality).gates;
  return gates === null ? null : { passed: gates.passed, results: gates.results, failed: gates.failed };
}

/** A job as the API returns it; `gates` is null when the job had none (or has not finished). */
export function jobView(job: JobRecord) {
  return {
    id: job.id,
    status: job.status,
    source: job.source,
    progress: job.progress,
    stats: job.stats,
    gates: storedGates(job.quality),
    files: job.files,
    error: job.error,
    created_by: job.createdBy,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}
