import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { processIo } from './io.js';
import { buildProgram } from './program.js';
import { CliError } from './errors.js';
import { ExitCode, exitCodeFor } from './exit-code.js';
import { runCli } from '../test/run-cli.js';

describe('lorakit (program)', () => {
  it('prints help with the commands and exit codes, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('validate');
    expect(r.stdout).toContain('130 interrupted');
  });

  it('prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command is a usage error (exit 2) on one line', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: unknown command 'frobnicate'/);
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    const r = await runCli(['validate', '--schema', 'x.json', '--frob', 'data.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frob'");
  });

  it('every command and subcommand has --help with examples', async () => {
    const program = await buildProgram(processIo(), ['export', 'report', 'schema', 'adapter', 'vllm'], () => {});
    const paths: string[][] = [];
    const walk = (cmd: Command, prefix: string[]) => {
      for (const sub of cmd.commands) {
        paths.push([...prefix, sub.name()]);
        walk(sub, [...prefix, sub.name()]);
      }
    };
    walk(program, []);
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['validate', 'export', 'init', 'report merge', 'schema check', 'adapter bump', 'vllm config', 'vllm route', 'serve']),
    );
    for (const path of paths) {
      const r = await runCli([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.stdout, path.join(' ')).toContain('Examples:');
    }
  });
});

describe('exitCodeFor', () => {
  it('maps codes, not classes: data failures 1, interruptions 130, the rest 2', () => {
    expect(exitCodeFor({ code: 'EXPORT_MAX_ERRORS' })).toBe(ExitCode.dataFailed);
    expect(exitCodeFor({ code: 'VLLM_RANK_TOO_HIGH' })).toBe(ExitCode.dataFailed);
    expect(exitCodeFor({ code: 'EXPORT_ABORTED' })).toBe(ExitCode.interrupted);
    expect(exitCodeFor(new CliError('CLI_INTERRUPTED', 'x'))).toBe(ExitCode.interrupted);
    expect(exitCodeFor(new CliError('CLI_FILE_NOT_FOUND', 'x'))).toBe(ExitCode.usage);
    expect(exitCodeFor({ code: 'SCHEMA_INVALID' })).toBe(ExitCode.usage);
    expect(exitCodeFor(new Error('bug'))).toBe(ExitCode.usage);
  });
});
