// Installed alone: the `lorakit` bin runs, and main() validates a JSONL file with the documented exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode, main, type CliStream } from '@lorakit/cli';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-cli-smoke-'));
writeFileSync(join(dir, 'schema.json'), JSON.stringify({ type: 'object', required: ['output'], properties: { output: { type: 'string', minLength: 20 } } }));
writeFileSync(join(dir, 'data.jsonl'), '{"output":"Vierzehn Tage ab Erhalt der Ware (§ 355 BGB)."}\n{"output":"kurz"}\n');
let stdout = '';
const sink: CliStream = { write: (chunk: string) => (stdout += chunk) };
const code = await main(['validate', '--schema', 'schema.json', 'data.jsonl'], { stdout: sink, stderr: sink, cwd: dir, env: { NO_COLOR: '1' } });
if (code !== ExitCode.dataFailed || !stdout.includes('data.jsonl:2: /output:')) throw new Error(`unexpected result ${code}: ${stdout}`);
const bin = join(dirname(createRequire(import.meta.url).resolve('@lorakit/cli/package.json')), 'bin', 'lorakit.js');
const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
if (version.status !== 0) throw new Error(`lorakit --version failed: ${version.stderr}`);
console.log(`lorakit ${version.stdout.trim()}: validate exit ${code}`);
