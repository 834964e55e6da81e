import { Readable } from 'node:stream';
import { main } from '../src/main.js';
import type { CliStream } from '../src/io.js';

/** What a direct run of `main` printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  stdin?: string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  tty?: boolean;
}

function collector(tty: boolean): CliStream & { text: string } {
  const s = {
    text: '',
    isTTY: tty,
    write(chunk: string) {
      s.text += chunk;
      return true;
    },
  };
  return s;
}

/** Runs the CLI in-process, as a user would from a shell, capturing stdout and stderr. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = collector(options.tty ?? false);
  const stderr = collector(options.tty ?? false);
  const code = await main(argv, {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
