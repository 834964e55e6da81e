#!/usr/bin/env node
/* global AbortController */
// The `lorakit` executable: wires the real process (argv, Ctrl-C, exit code) to main().
import { setFlagsFromString } from 'node:v8';
import { main } from '../dist/index.js';

// An export makes short-lived objects per record. In about a third of runs V8's allocation-site pretenuring takes
// them for long-lived early on, and from then on they wait for a full collection: ~50 MB more peak memory on 100k
// records, at no gain in speed (measured: packages/jsonl-exporter/README.md). This process is the CLI's own, so the
// heuristic is off for it (the flag is read at each collection; NODE_OPTIONS does not allow it).
setFlagsFromString('--no-allocation-site-pretenuring');
// After a full collection V8 lets the old generation grow to up to 4x what survived before the next one. An export's
// live heap stays small (~20 MB) while records that happened to outlive two scavenges pile up as old garbage: ~45 MB
// more peak memory at 1M records. Growing by half instead keeps the heap flat, at the same speed (measured: the
// package README). Also read at each collection, and by every thread of the process. Only for `export` (and
// `export merge`), where it was measured: a command with a large live heap would collect more often.
if (process.argv.slice(2).find((arg) => !arg.startsWith('-')) === 'export') setFlagsFromString('--heap-growing-percent=50');

// `lorakit … | head` closes the pipe early: stop quietly with 141 (128 + SIGPIPE), as a tool killed by SIGPIPE
// would, instead of a stack trace; the result is unknown, so it is neither 0 nor 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  });
}

// Ctrl-C (SIGINT) and `kill` / a container stop (SIGTERM): the first lets the running command remove its partial
// output and exit 128 + the signal number (130, 143); a second signal exits at once.
const controller = new AbortController();
let interrupted = 130;
const onSignal = (code) => {
  if (controller.signal.aborted) process.exit(code);
  interrupted = code;
  controller.abort();
};
process.on('SIGINT', () => onSignal(130));
process.on('SIGTERM', () => onSignal(143));

const code = await main(process.argv.slice(2), { signal: controller.signal });
// main() reports any interruption as 130; the exit code tells which signal it was.
if (controller.signal.aborted) process.exit(code === 130 ? interrupted : code);
process.exitCode = code;
