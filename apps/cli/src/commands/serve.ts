import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import type { CommandContext } from '../internal/context.js';
import type { Opts } from '../program.js';

/**
 * The server's executable and its first arguments: `LORAKIT_SERVER_BIN`; else the `lorakit-server` of an
 * @lorakit/server installed beside the CLI or in the working directory's project, run with this Node (`node
 * bin/lorakit.js serve` has no node_modules/.bin on its PATH, as npx has); else `lorakit-server` on the PATH.
 */
function serverCommand(env: Record<string, string | undefined>, cwd: string): { command: string; args: string[] } {
  const override = env['LORAKIT_SERVER_BIN'];
  if (override !== undefined && override !== '') return { command: override, args: [] };
  for (const from of [import.meta.url, join(cwd, 'package.json')]) {
    try {
      const manifest = createRequire(from).resolve('@lorakit/server/package.json');
      const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: Record<string, string> }).bin?.['lorakit-server'];
      if (bin !== undefined) return { command: process.execPath, args: [resolvePath(dirname(manifest), bin)] };
    } catch {
      // Not installed there.
    }
  }
  return { command: 'lorakit-server', args: [] };
}

/**
 * `lorakit serve [ARGS...]`: runs the `lorakit-server` executable of @lorakit/server with ARGS. A child process,
 * not an import: apps never import each other, and the server is an optional install.
 */
export async function serveCommand(args: unknown[], _opts: Opts, ctx: CommandContext): Promise<number> {
  const passed = (args[0] as string[] | undefined) ?? [];
  const { command, args: first } = serverCommand(ctx.io.env, ctx.io.cwd);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command, [...first, ...passed], { stdio: 'inherit', env: ctx.io.env as NodeJS.ProcessEnv, cwd: ctx.io.cwd });
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
