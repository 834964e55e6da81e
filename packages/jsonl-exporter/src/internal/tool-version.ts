import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** This package's version (from its package.json, one level above both src/ and dist/). */
export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
