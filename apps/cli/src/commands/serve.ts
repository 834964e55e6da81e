import { spawn } from 'node:child_process';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import type { CommandContext } from '../internal/context.js';
import type { Opts } from '../program.js';

/**
 * `lorakit serve [ARGS...]`: runs the `lorakit-server` executable of @lorakit/server with ARGS. A child process,
 * not an import: apps never import each other, and the server is an optional install.
 */
export async function serveCommand(args: unknown[], _opts: Opts, ctx: CommandContext): Promise<number> {
  const passed = (args[0] as string[] | undefined) ?? [];
  const command = ctx.io.env['LORAKIT_SERVER_BIN'] ?? 'lorakit-server';
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command, passed, { stdio: 'inherit', env: ctx.io.env as NodeJS.ProcessEnv, cwd: ctx.io.cwd });
    const onAbort = () => child.kill('SIGINT');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (error.code === 'ENOENT') {
        reject(new CliError('CLI_DEPENDENCY_MISSING', `${command} not found: install the server with npm install @lorakit/server`, { cause: error }));
      } else reject(error);
    });
    child.on('exit', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(signal === 'SIGINT' || signal === 'SIGTERM' ? ExitCode.interrupted : (code ?? ExitCode.usage));
    });
  });
}
