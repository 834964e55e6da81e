import pc from 'picocolors';
import type { CliIo, CliStream } from '../io.js';

/** picocolors' formatters, switched on or off for this run. */
export type Colors = ReturnType<typeof pc.createColors>;

/** How a command prints: results to stdout, everything else (notes, progress, warnings) to stderr. */
export interface Output {
  readonly format: 'text' | 'json';
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly colors: Colors;
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** A line of text output on stdout. */
  line(text?: string): void;
  /** A machine-readable result on stdout (one JSON document). */
  json(value: unknown): void;
  /** A note on stderr, dropped with `--quiet`. */
  info(text: string): void;
  /** A warning on stderr (kept with `--quiet`). */
  warn(text: string): void;
}

export interface OutputOptions {
  format?: string | undefined;
  json?: boolean | undefined;
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
  color?: boolean | undefined;
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org) or `--no-color`; FORCE_COLOR forces it. */
export function colorEnabled(io: CliIo, stream: CliStream, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  const env = io.env;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined) return env['FORCE_COLOR'] !== '0';
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

export function createOutput(io: CliIo, options: OutputOptions): Output {
  const format = options.json === true || options.format === 'json' ? 'json' : 'text';
  const quiet = options.quiet === true;
  const colors = pc.createColors(colorEnabled(io, io.stderr, options.color));
  return {
    format,
    quiet,
    verbose: options.verbose === true,
    colors,
    stdout: io.stdout,
    stderr: io.stderr,
    line(text = '') {
      io.stdout.write(`${text}\n`);
    },
    json(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    info(text) {
      if (!quiet) io.stderr.write(`${text}\n`);
    },
    warn(text) {
      io.stderr.write(`${colors.yellow('warning:')} ${text}\n`);
    },
  };
}
