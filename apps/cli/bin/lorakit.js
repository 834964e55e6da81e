#!/usr/bin/env node
/* global AbortController */
// The `lorakit` executable: wires the real process (argv, Ctrl-C, exit code) to main().
import { main } from '../dist/index.js';

// `lorakit … | head` closes the pipe early: stop quietly with 141 (128 + SIGPIPE), as a tool killed by SIGPIPE
// would, instead of a stack trace; the result is unknown, so it is neither 0 nor 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  });
}

const controller = new AbortController();
process.once('SIGINT', () => {
  // First Ctrl-C: let the running command remove its partial output and exit 130; a second one exits at once.
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

const code = await main(process.argv.slice(2), { signal: controller.signal });
if (controller.signal.aborted) process.exit(code);
process.exitCode = code;
