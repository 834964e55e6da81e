import type { Command, CommanderError } from 'commander';
import { ExitCode, errorCode, exitCodeFor } from './exit-code.js';
import { processIo, type CliIo } from './io.js';
import { buildProgram } from './program.js';

function describeCause(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const head = `${error.stack ?? `${error.name}: ${error.message}`}${typeof code === 'string' ? ` [${code}]` : ''}`;
  const cause = (error as { cause?: unknown }).cause;
  if (cause === undefined || depth > 8) return head;
  return `${head}\ncaused by: ${describeCause(cause, depth + 1)}`;
}

/**
 * Runs `lorakit` with the given arguments (without `node` and the script) and resolves to the exit code.
 * Never throws and never calls `process.exit`: every failure becomes one line on stderr and an exit code
 * (0 ok, 1 data failed, 2 usage or I/O error, 130 interrupted).
 *
 * @example
 * ```ts
 * import { main } from '@lorakit/cli';
 * process.exitCode = await main(['validate', '--schema', 'schema.json', 'data.jsonl']);
 * ```
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const env: CliIo = { ...processIo(), ...io };
  const verbose = argv.includes('--verbose');
  let exitCode: number = ExitCode.ok;
  try {
    const program: Command = await buildProgram(env, argv, (code) => {
      exitCode = code;
    });
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (errorCode(error)?.startsWith('commander.') === true) {
      // Help and --version exit 0; every parse error is a usage error. Commander already printed the message.
      return (error as CommanderError).exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const { createOutput } = await import('./internal/output.js');
    const out = createOutput(env, { verbose });
    const code = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === ExitCode.interrupted) {
      out.stderr.write(`lorakit: interrupted${message && !/abort/i.test(message) ? ` (${message})` : ''}\n`);
    } else {
      out.stderr.write(`${out.colors.red('lorakit:')} ${message}\n`);
    }
    if (verbose) out.stderr.write(`${describeCause(error)}\n`);
    else if (code === ExitCode.usage && !hasCode(error)) out.stderr.write('(run again with --verbose for the full cause)\n');
    return code;
  }
}

function hasCode(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string';
}
