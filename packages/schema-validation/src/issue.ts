/** Codes of issues found while validating a value against a schema. */
export type ValidationIssueCode =
  | 'invalid_type'
  | 'required'
  | 'too_small'
  | 'too_big'
  | 'pattern'
  | 'format'
  | 'enum'
  | 'const'
  | 'additional_property'
  | 'combinator'
  | 'other';

/** Codes of issues found while reading JSONL, before any schema is applied. */
export type JsonlIssueCode = 'parse' | 'line_too_long' | 'invalid_utf8' | 'unsafe_integer' | 'too_deep';

/** Every code an {@link Issue} produced by this package can carry. */
export type IssueCode = ValidationIssueCode | JsonlIssueCode;

/**
 * One problem with one value: the shape every lorakit package reports expected failures in.
 * `code` is a plain string so other packages can add their own codes; this package only emits {@link IssueCode}.
 */
export interface Issue {
  /** What went wrong, e.g. `too_small`; see {@link IssueCode}. */
  code: string;
  /** JSON pointer into the data (`''` is the whole value, `/output` a field). */
  path: string;
  /** A sentence a person understands, without the path, e.g. `must have at least 20 characters, has 3`. */
  message: string;
  /** The JSON Schema keyword that failed, e.g. `minLength`. */
  keyword?: string;
  /** JSON pointer into the schema of the failing keyword, e.g. `#/properties/output/minLength`. */
  schemaPath?: string;
  /** 1-based physical line number of the input, for issues found in JSONL. */
  line?: number;
}

/** The result of validating or parsing: the data, or every issue found. */
export type Result<T> = { success: true; data: T } | { success: false; issues: Issue[] };
