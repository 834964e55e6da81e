export { main } from './main.js';
export type { CliIo, CliStream } from './io.js';
export { ExitCode, exitCodeFor, type ExitCodeValue } from './exit-code.js';
export { CliError, type CliErrorCode } from './errors.js';
