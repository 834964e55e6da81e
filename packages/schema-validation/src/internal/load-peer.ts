import { SchemaValidationError } from '../errors.js';

/**
 * Imports an optional peer dependency, turning "not installed" into `SCHEMA_DEPENDENCY_MISSING` with the
 * command that fixes it. Other failures (a broken install) keep their own error as the cause.
 */
export async function loadPeer<T>(name: string, feature: string, range: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new SchemaValidationError(
        'SCHEMA_DEPENDENCY_MISSING',
        `${feature} needs the optional package "${name}": run \`npm install ${name}@${range}\``,
        { cause },
      );
    }
    throw cause;
  }
}
