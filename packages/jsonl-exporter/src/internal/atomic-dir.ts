import { randomBytes } from 'node:crypto';
import { open, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { lock } from 'proper-lockfile';
import { ExportError } from '../errors.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, type ExportManifest } from '../export-manifest.js';

/** What {@link checkOutputDir} must not replace besides a foreign directory. */
export interface OutputGuard {
  /** false: any existing output is refused. */
  overwrite: boolean;
  /** Files and folders the run reads (input, schema, partitions): the output may be none of them, nor hold one. */
  inputs: readonly string[];
  /** Working directories: the output may be none of them, nor one of their parents. */
  cwds: readonly string[];
}

/**
 * Refuses an output directory whose replacement would delete something that is not a previous output: the input
 * or a folder holding it, the working directory or a parent of it, a file, or a non-empty directory without a
 * manifest.json written by lorakit. Runs before anything is read, so a refused run costs nothing.
 */
export async function checkOutputDir(target: string, guard: OutputGuard): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return;
  const real = await canonical(target);
  for (const input of guard.inputs) {
    if (!(await exists(input))) continue;
    if (holds(real, await canonical(input))) {
      throw new ExportError(
        'EXPORT_OUTPUT_EXISTS',
        `${target} is or holds the input ${input}: the output directory is replaced as a whole, which would delete it. Choose an output directory outside the input's folder`,
      );
    }
  }
  for (const cwd of guard.cwds) {
    if (holds(real, await canonical(cwd))) {
      throw new ExportError(
        'EXPORT_OUTPUT_EXISTS',
        `${target} is the working directory ${cwd} or a parent of it: the output directory is replaced as a whole, which would delete everything in it. Choose a new or empty directory for the output`,
      );
    }
  }
  if (!info.isDirectory()) {
    throw new ExportError(
      'EXPORT_OUTPUT_EXISTS',
      `${target} exists and is not a directory: the output directory would replace it. Choose another output directory, or move the file away`,
    );
  }
  const names = await readdir(target);
  if (names.length === 0) return checkOverwrite(target, guard);
  const manifest = await readExportManifest(target);
  if (manifest === undefined) {
    throw new ExportError(
      'EXPORT_OUTPUT_EXISTS',
      `${target} is not empty and is not a previous lorakit export (it has no ${MANIFEST_FILE} written by lorakit): the output directory is replaced as a whole, which would delete the ${names.length === 1 ? 'entry' : `${names.length} entries`} in it. Choose a new or empty directory, or move its contents away`,
    );
  }
  const listed = new Set([...(manifest.files ?? []), ...(manifest.artifacts ?? [])].map((f) => f.path.split(/[\\/]/)[0] ?? ''));
  // Files put beside a previous export (trained weights, a serve config) are not the export's to delete.
  const extra = names.filter((name) => name !== MANIFEST_FILE && !listed.has(name)).sort();
  if (extra.length > 0) {
    const shown = extra.slice(0, 5).join(', ') + (extra.length > 5 ? `, and ${extra.length - 5} more` : '');
    throw new ExportError(
      'EXPORT_OUTPUT_EXISTS',
      `${target} is a previous lorakit export with files its ${MANIFEST_FILE} does not list (${shown}): the output directory is replaced as a whole, which would delete them. Move them out of it, or choose another output directory`,
    );
  }
  checkOverwrite(target, guard);
}

function checkOverwrite(target: string, guard: OutputGuard): void {
  if (!guard.overwrite) {
    throw new ExportError('EXPORT_OUTPUT_EXISTS', `${target} exists; set output.overwrite to replace it`);
  }
}

/** True when `inner` is `outer` or inside it. */
function holds(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function canonical(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/**
 * The manifest.json of `dir` when lorakit wrote it (its format tag and tool name tell), or undefined when the file
 * is missing or not such a manifest.
 */
export async function readExportManifest(dir: string): Promise<Partial<ExportManifest> | undefined> {
  let manifest: Partial<ExportManifest> | null;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
  if (manifest?.format !== MANIFEST_FORMAT || manifest.tool?.name !== '@lorakit/jsonl-exporter') return undefined;
  return manifest;
}

/** A lock not refreshed for this long is taken to belong to a run that died (killed, machine off). */
const LOCK_STALE_MS = 30_000;

/**
 * `<dir>.lock` beside an output directory, held from just after the check of the directory to its swap, so that a
 * second run into one directory is refused at once instead of failing at its end (proper-lockfile: a directory
 * created atomically, its mtime refreshed while held, removed on exit). Two runs that pass the check together are
 * still kept apart: the later one finds the lock held.
 */
export class OutputLock {
  private lost: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly unlock: () => Promise<void>,
  ) {}

  /** Take the lock of `target`, creating its parent directory; refused while another live run holds it. */
  private static async acquire(target: string): Promise<OutputLock> {
    const path = `${target}.lock`;
    let held: OutputLock | undefined;
    try {
      await mkdir(dirname(target), { recursive: true });
      const unlock = await lock(target, {
        lockfilePath: path,
        realpath: false,
        stale: LOCK_STALE_MS,
        onCompromised: (error) => {
          if (held) held.lost = error;
        },
      });
      held = new OutputLock(path, unlock);
      return held;
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 'ELOCKED') {
        throw new ExportError(
          'EXPORT_OUTPUT_LOCKED',
          `${target} is being written by another export (its lock ${path} is held); wait for that run to end. A lock left by a run that died is taken over once it is ${LOCK_STALE_MS / 1000} s old`,
          { cause },
        );
      }
      throw new ExportError('EXPORT_WRITE_FAILED', `cannot create the lock ${path}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Runs `work` holding the lock of `target`, released however it ends. */
  static async hold<T>(target: string, work: (lock: OutputLock) => Promise<T>): Promise<T> {
    const lock = await OutputLock.acquire(target);
    try {
      return await work(lock);
    } finally {
      await lock.release();
    }
  }

  /** Throws when the lock was lost (removed or taken over as stale): the output must not be swapped in then. */
  check(): void {
    if (this.lost !== undefined) {
      throw new ExportError('EXPORT_OUTPUT_LOCKED', `the lock ${this.path} was lost while the export ran (${this.lost.message}); the output was not replaced`, {
        cause: this.lost,
      });
    }
  }

  /** Release the lock (once; errors of a lost lock are ignored). */
  private async release(): Promise<void> {
    if (this.lost === undefined) await this.unlock().catch(() => undefined);
  }
}

/**
 * An output directory written under a temp name beside its final place (`<dir>.tmp-<random>`), then renamed over
 * it. A previous output is moved aside only once the new one is complete, and restored if the swap fails.
 */
export class AtomicDir {
  readonly tmp: string;

  private constructor(readonly target: string) {
    this.tmp = join(dirname(target), `${basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  }

  /** Create the temp directory. */
  static async create(target: string, overwrite: boolean): Promise<AtomicDir> {
    if (!overwrite && (await exists(target))) {
      throw new ExportError('EXPORT_OUTPUT_EXISTS', `${target} exists; set output.overwrite to replace it`);
    }
    const dir = new AtomicDir(target);
    try {
      await mkdir(dirname(target), { recursive: true });
      await mkdir(dir.tmp);
    } catch (cause) {
      throw new ExportError('EXPORT_WRITE_FAILED', `cannot create ${dir.tmp}: ${(cause as Error).message}`, { cause });
    }
    return dir;
  }

  /** Write a small file into the temp directory, fsynced. */
  async writeFile(name: string, content: string): Promise<string> {
    const path = join(this.tmp, name);
    try {
      await writeFile(path, content, { flush: true });
    } catch (cause) {
      throw new ExportError('EXPORT_WRITE_FAILED', `cannot write ${path}: ${(cause as Error).message}`, { cause });
    }
    return path;
  }

  /** fsync the temp directory and move it into place, replacing a previous output only now. */
  async commit(): Promise<void> {
    try {
      await fsyncDir(this.tmp);
      let old: string | undefined;
      if (await exists(this.target)) {
        old = join(dirname(this.target), `${basename(this.target)}.old-${randomBytes(6).toString('hex')}`);
        await rename(this.target, old);
      }
      try {
        await rename(this.tmp, this.target);
      } catch (error) {
        if (old) await rename(old, this.target);
        throw error;
      }
      await fsyncDir(dirname(this.target));
      if (old) await rm(old, { recursive: true, force: true });
    } catch (cause) {
      await this.discard();
      if (cause instanceof ExportError) throw cause;
      throw new ExportError('EXPORT_WRITE_FAILED', `cannot move ${this.tmp} to ${this.target}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** Remove the temp directory (after a failure or an abort). */
  async discard(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
