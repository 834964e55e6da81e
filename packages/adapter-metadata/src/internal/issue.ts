// The workspace-wide issue shape, owned by @lorakit/schema-validation (docs/architecture.md). Written out here
// rather than imported, so that a TypeScript build of this package needs no optional peer (issue.test.ts keeps the
// two identical).

/** One problem found in an input: a code, where (a JSON pointer), and a sentence; see @lorakit/schema-validation. */
export interface Issue {
  /** What went wrong, e.g. `too_small`. */
  code: string;
  /** JSON pointer into the data (`''` is the whole value, `/output` a field). */
  path: string;
  /** A sentence a person understands, without the path. */
  message: string;
  /** The JSON Schema keyword that failed, e.g. `minLength`. */
  keyword?: string;
  /** JSON pointer into the schema of the failing keyword. */
  schemaPath?: string;
  /** 1-based physical line number of the input, for issues found in JSONL. */
  line?: number;
}
