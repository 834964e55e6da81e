import type { Readable } from 'node:stream';

/** Where the CLI writes. Node's `process.stdout`/`process.stderr` fit; tests pass collectors. */
export interface CliStream {
  write(chunk: string): unknown;
  /** True when the stream is an interactive terminal (progress bars and colour are only drawn then). */
  isTTY?: boolean;
  columns?: number;
}

/** The process surroundings a command runs in; {@link main} defaults every field to the real process. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Read when a command is given `-` as its input. */
  stdin: Readable;
  env: Record<string, string | undefined>;
  /** Relative paths are resolved against it. */
  cwd: string;
  /** Aborted on Ctrl-C or SIGTERM; long commands stop, remove partial output and exit 130 (the bin makes SIGTERM 143). */
  signal?: AbortSignal;
}

/** The real process as a {@link CliIo}. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
