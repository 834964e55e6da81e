import { randomBytes } from 'node:crypto';
import { open, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ExportError } from '../errors.js';

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
