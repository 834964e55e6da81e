import { isAbsolute, resolve } from 'node:path';
import type { CliIo } from '../io.js';
import type { Output } from './output.js';

/** What every command handler gets besides its own arguments. */
export interface CommandContext {
  io: CliIo;
  out: Output;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** A user-given path, resolved against the command's working directory (`-` stays `-`: stdin/stdout). */
export function resolvePath(io: CliIo, path: string): string {
  if (path === '-' || isAbsolute(path)) return path;
  return resolve(io.cwd, path);
}

/** An error re-thrown with the file (and line) it concerns in front of its message, keeping its `code`. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
  readonly code: string | undefined;

  constructor(prefix: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`${prefix}: ${message}`, { cause });
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}
