import { findUnsafeNumbers, mayHoldUnsafeNumber, type UnsafeNumber } from '@lorakit/schema-validation';
import { ExportError } from '../errors.js';
import type { Source, SourceItem, SourceItemsOptions, SourceStats } from './source.js';

/** What one pass over the input gets: a signal that fires on abort or close, and the counters to update. */
export interface PassContext {
  readonly signal: AbortSignal;
  readonly stats: SourceStats;
}

/** How a concrete source reads; {@link createSource} adds abort, close and error handling around it. */
export interface SourceImplementation {
  readonly description: string;
  /** True for inputs that cannot be read twice (stdin, iterators). */
  readonly once?: boolean;
  /** Absolute paths of the input files, reported in stats. */
  readonly files?: string[];
  /** See {@link Source.warnings}. */
  readonly warnings?: readonly string[];
  /**
   * One pass over the input. Its `finally` blocks must release what the pass opened. May be async, to open the
   * input first and hand over a reader's generator as it is, without a delegating layer per record.
   */
  pass(context: PassContext): AsyncGenerator<SourceItem, void, undefined> | Promise<AsyncGenerator<SourceItem, void, undefined>>;
  /** Releases what the source holds beyond a pass (a database handle). */
  close?(): Promise<void> | void;
}

function abortedError(description: string, signal: AbortSignal): ExportError {
  return new ExportError('EXPORT_ABORTED', `${description}: reading was aborted`, { cause: signal.reason });
}

/** Builds a {@link Source} from a pass function, with the behaviour every source shares. */
export function createSource(impl: SourceImplementation): Source {
  const { description } = impl;
  const closer = new AbortController();
  const active = new Set<AsyncGenerator<SourceItem, void, undefined>>();
  let closing: Promise<void> | undefined;
  let started = false;
  let stats: SourceStats = impl.files ? { blankLines: 0, files: impl.files.map((path) => ({ path })) } : { blankLines: 0 };

  function wrap(error: unknown, user: AbortSignal | undefined): ExportError {
    if (user?.aborted) return abortedError(description, user);
    if (closer.signal.aborted) {
      return new ExportError('EXPORT_SOURCE_UNREADABLE', `${description}: the source was closed while reading`, { cause: error });
    }
    if (error instanceof ExportError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ExportError('EXPORT_SOURCE_UNREADABLE', `${description}: ${message}`, { cause: error });
  }

  // A hand-written iterator rather than an async generator around the pass: one async layer less per record,
  // which measured 0.5-1.5 µs per record here (a plain JSONL loop spends about 3-4 µs on one).
  function items(options?: SourceItemsOptions): AsyncIterable<SourceItem> {
    const user = options?.signal;
    let pass: AsyncGenerator<SourceItem, void, undefined> | undefined;
    let starting: Promise<AsyncGenerator<SourceItem, void, undefined>> | undefined;
    let signal = closer.signal;
    let finished = false;

    async function start(): Promise<AsyncGenerator<SourceItem, void, undefined>> {
      if (closer.signal.aborted) throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${description}: the source is closed`);
      if (impl.once === true && started) {
        throw new ExportError('EXPORT_SOURCE_UNREADABLE', `${description}: this input can be read only once`);
      }
      started = true;
      if (user?.aborted) throw abortedError(description, user);
      signal = user === undefined ? closer.signal : AbortSignal.any([user, closer.signal]);
      stats = impl.files ? { blankLines: 0, files: impl.files.map((path) => ({ path })) } : { blankLines: 0 };
      const created = await impl.pass({ signal, stats });
      active.add(created);
      return created;
    }

    async function finish(): Promise<void> {
      if (finished) return;
      finished = true;
      if (pass !== undefined) {
        active.delete(pass);
        await pass.return(undefined);
      }
    }

    const iterator: AsyncIterator<SourceItem> = {
      async next(): Promise<IteratorResult<SourceItem>> {
        if (finished) return { done: true, value: undefined };
        try {
          // Shared, so that two next() calls racing before the first item cannot start two passes.
          starting ??= start();
          pass ??= await starting;
          if (!signal.aborted) {
            const result = await pass.next();
            if (!signal.aborted) {
              if (result.done === true) await finish();
              return result.done === true ? { done: true, value: undefined } : result;
            }
          }
          throw signal.reason;
        } catch (error) {
          await finish().catch(() => undefined);
          throw wrap(error, user);
        }
      },
      async return(): Promise<IteratorResult<SourceItem>> {
        await finish();
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  return {
    description,
    ...(impl.warnings !== undefined && impl.warnings.length > 0 ? { warnings: impl.warnings } : {}),
    items,
    stats: () => stats,
    close() {
      closing ??= (async () => {
        closer.abort(new Error('source closed'));
        // A pass suspended at a yield runs its finally blocks now; one waiting on I/O does when the I/O settles.
        await Promise.allSettled([...active].map((pass) => pass.return(undefined)));
        await impl.close?.();
      })();
      return closing;
    },
  };
}

/** True for a value a record can be made of: a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A float as JSON can hold it: NaN and ±Infinity, which JSON.stringify would write as null, become the text
 * PostgreSQL writes for them (`NaN`, `Infinity`, `-Infinity`), so every typed source gives them the same way.
 */
export function finiteOrText(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/** A JSON value (a database or Parquet column) holding a number JSON.parse changed: its record is rejected. */
export class UnsafeJson {
  constructor(readonly found: UnsafeNumber[]) {}
}

/** JSON text parsed as the JSON sources parse a line: an integer beyond 2^53 gives an {@link UnsafeJson}, no rounding. */
export function parseJsonChecked(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!mayHoldUnsafeNumber(value)) return value;
  const unsafe = findUnsafeNumbers(text, value);
  return unsafe.length === 0 ? value : new UnsafeJson(unsafe);
}

/** A name as a JSON pointer token (`a/b` → `a~1b`). */
export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The findings of the {@link UnsafeJson} values in `value` (at any depth of arrays and objects), at pointers from `path`. */
export function unsafeJsonIn(value: unknown, path = ''): UnsafeNumber[] {
  if (value instanceof UnsafeJson) return value.found.map((u) => ({ ...u, path: `${path}${u.path}` }));
  if (Array.isArray(value)) return value.flatMap((v, i) => unsafeJsonIn(v, `${path}/${i}`));
  if (isRecord(value)) return Object.keys(value).flatMap((key) => unsafeJsonIn(value[key], `${path}/${pointerToken(key)}`));
  return [];
}

/**
 * The item of a record holding numbers JSON.parse changed (`found`, at paths in the record, as findUnsafeNumbers
 * gives them): one `unsafe_integer` issue naming them all, so the record is rejected rather than exported with
 * other digits.
 */
export function unsafeNumbersItem(ref: string, found: readonly UnsafeNumber[]): SourceItem {
  const message = found.map((u) => `${u.path || '/'}: ${u.message}`).join('; ');
  return { ref, issue: { code: 'unsafe_integer', path: found[0]?.path ?? '', message } };
}

/** The item for a value that is valid JSON but not an object. */
export function notObjectItem(ref: string, value: unknown, line?: number): SourceItem {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  const message = `expected a JSON object as the record, got ${kind}`;
  if (line === undefined) return { ref, issue: { code: 'not_object', path: '', message } };
  return { ref, line, issue: { code: 'not_object', path: '', message, line } };
}
