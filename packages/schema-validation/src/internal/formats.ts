import { isAsciiIdn, isIdn, isIdnEmail, isIri, isIriReference } from '@hyperjump/json-schema-formats';

// isIdn (and the checks built on it) console.log()s every rejected hostname; in the CLI that would corrupt
// `--format json` output, so the log is muted for the duration of the synchronous call. The IRI checks throw on
// some malformed input ("Unsupported IP version") instead of returning false; a throw is a failed format here.
function quiet(check: (s: string) => boolean): (s: string) => boolean {
  return (s) => {
    const log = console.log;
    console.log = () => undefined;
    try {
      return check(s);
    } catch {
      return false;
    } finally {
      console.log = log;
    }
  };
}

/**
 * Formats ajv-formats lacks (idn-*, iri*) or gets too loose (hostname), from @hyperjump/json-schema-formats, the
 * library hyperjump itself uses, so a format means the same on both engines.
 */
export const EXTRA_FORMATS: Record<string, (s: string) => boolean> = {
  hostname: quiet(isAsciiIdn),
  'idn-hostname': quiet(isIdn),
  'idn-email': quiet(isIdnEmail),
  iri: quiet(isIri),
  'iri-reference': quiet(isIriReference),
};
