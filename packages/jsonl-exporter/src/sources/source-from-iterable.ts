import { createSource, isRecord, notObjectItem } from './base-source.js';
import { normalizeRecord } from './normalize-value.js';
import type { Source, SourceItem } from './source.js';

/** Options of {@link sourceFromIterable}. */
export interface IterableSourceOptions {
  /**
   * Name used in refs (`name:1`, `name:2`, … in input order) and in the description.
   * @default 'records'
   */
  name?: string;
}

/**
 * Wraps records already in memory or arriving as a stream (the server's NDJSON bodies, tests) as a {@link Source}.
 * Values that are not objects become items with a `not_object` issue. Bigints and bytes are made JSON-safe as the
 * database sources do (a copy: the caller's records are not modified). An array (or another re-iterable) can be
 * read several times; an iterator or generator only once.
 *
 * @example
 * const source = sourceFromIterable([{ instruction: 'Hi', output: 'Hello' }], { name: 'body' });
 */
export function sourceFromIterable(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  options?: IterableSourceOptions,
): Source {
  const name = options?.name ?? 'records';
  // Async iterables are taken as one-shot: creating an iterator of a stream starts consuming it. A sync iterator
  // returns itself from [Symbol.iterator](), so a second pass over it would silently see nothing.
  const once =
    Symbol.asyncIterator in records || (records as Iterable<unknown>)[Symbol.iterator]() === (records as unknown);
  return createSource({
    description: `iterable ${name}`,
    once,
    async *pass({ signal }) {
      let n = 0;
      const toItem = (value: unknown): SourceItem =>
        isRecord(value) ? { ref: `${name}:${n}`, record: jsonSafe(value) } : notObjectItem(`${name}:${n}`, value);
      if (Symbol.asyncIterator in records) {
        for await (const value of records) {
          n++;
          yield toItem(value);
          if (signal.aborted) return;
        }
      } else {
        // `for await` over a sync iterable would wait a turn per element; records in memory need none.
        for (const value of records) {
          n++;
          yield toItem(value);
          if (signal.aborted) return;
        }
      }
    },
  });
}

/**
 * The record with bigints and bytes made JSON-safe ({@link normalizeRecord}). A cyclic or very deep record is left as
 * it is: only a stage that must walk it fails, and then on this record alone (`too_deep`), not the whole export.
 */
function jsonSafe(record: Record<string, unknown>): Record<string, unknown> {
  try {
    return normalizeRecord(record);
  } catch (error) {
    if (error instanceof RangeError) return record;
    throw error;
  }
}
