import type { Validator } from './compile-schema.js';
import { createJsonlReader, type JsonlReader, type JsonlSource, type ReadJsonlOptions } from './read-jsonl.js';

/**
 * Reads JSONL like {@link readJsonl} and validates every parsed line with `validator`. Each record's `issues`
 * hold the reading issues or every schema issue of that line, each with its `line`; `summary()` counts them.
 *
 * @example
 * ```ts
 * const validator = await compileSchema(schema, { formats: 'assert' });
 * const reader = validateJsonl('train.jsonl', validator);
 * for await (const record of reader) for (const i of record.issues) console.log(`${i.line} ${i.path} ${i.message}`);
 * const { valid, invalid } = reader.summary();
 * ```
 */
export function validateJsonl(source: JsonlSource, validator: Validator, options: ReadJsonlOptions = {}): JsonlReader {
  return createJsonlReader(source, validator, options);
}
