// The contract every Source implementation passes (unstorage's testDriver pattern). Imported by tests only: it
// needs vitest, so it lives in test/, outside the published build.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Source, SourceItem } from '../src/sources/source.js';

/** Unreadable input a source can be given, and the issue items it must produce for it. */
export interface UnreadableCase {
  source: Source;
  /** The records that are readable, in order. */
  records: Record<string, unknown>[];
  /** Issue items expected, in order: 1-based line and issue code. */
  issues: { line: number; code: string }[];
}

/** What a source can do beyond the common contract, to run the extra checks that apply. */
export interface SourceCapabilities {
  /** Values keep their JSON types (numbers, booleans, null, nested objects and arrays). */
  jsonTypes?: boolean;
  /** Every item carries a `line`. */
  lines?: boolean;
  /** Only one pass is possible (stdin, iterators). */
  once?: boolean;
  /** Builds input with unreadable parts. */
  unreadable?: () => Promise<UnreadableCase>;
}

/** Records every source must pass through unchanged: only strings, since CSV has no other type. */
export const CONTRACT_RECORDS: Record<string, unknown>[] = [
  { id: '1', text: 'plain ascii', theme: 'Umweltrecht' },
  { id: '2', text: 'Grüße, 世界 — emoji 🎉', theme: 'Steuerrecht' },
  { id: '3', text: 'has "quotes", commas, and\nnew lines\r\nwith CRLF', theme: '' },
  { id: '4', text: ' leading and trailing spaces ', theme: 'x' },
  { id: '5', text: '{"looks": "like json"}', theme: 'null' },
];

const TYPED_RECORDS: Record<string, unknown>[] = [
  { id: 1, score: 0.5, ok: true, none: null, tags: ['a', 'b'], meta: { source: 'web', n: 2 } },
  { id: 2, score: -1e-7, ok: false, none: null, tags: [], meta: { source: 'mail', n: 0 } },
];

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

async function collect(source: Source, signal?: AbortSignal): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source.items(signal === undefined ? {} : { signal })) items.push(item);
  return items;
}

/**
 * Runs the source contract against one implementation: `make(records)` must return a fresh source that yields
 * exactly those records (a new one per call; the suite closes it).
 */
export function testSource(
  name: string,
  make: (records: Record<string, unknown>[]) => Promise<Source>,
  capabilities: SourceCapabilities = {},
): void {
  describe(`Source contract: ${name}`, () => {
    it('yields the same records in the same order, each with a unique ref', async () => {
      const source = await make(CONTRACT_RECORDS);
      try {
        const items = await collect(source);
        expect(items.map((item) => item.issue)).toEqual(CONTRACT_RECORDS.map(() => undefined));
        expect(items.map((item) => item.record)).toEqual(CONTRACT_RECORDS);
        expect(new Set(items.map((item) => item.ref)).size).toBe(items.length);
        expect(source.description).toMatch(/\S/);
        if (capabilities.lines === true) for (const item of items) expect(item.line).toBeGreaterThan(0);
      } finally {
        await source.close();
      }
    });

    it('gives the same refs to the same records every time', async () => {
      const first = await make(CONTRACT_RECORDS);
      const second = await make(CONTRACT_RECORDS);
      try {
        const a = (await collect(first)).map((item) => item.ref);
        const b = (await collect(second)).map((item) => item.ref);
        // Two inputs may be named differently (two temp files); the position or key part must match.
        const position = (ref: string) => ref.slice(Math.max(ref.lastIndexOf(':'), ref.lastIndexOf('['), ref.lastIndexOf('#')));
        expect(b.map(position)).toEqual(a.map(position));
        if (capabilities.once !== true) expect((await collect(first)).map((item) => item.ref)).toEqual(a);
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('streams many records in order', async () => {
      const many = Array.from({ length: 2500 }, (_, i) => ({ id: String(i + 1), text: `record ${i + 1} ${'x'.repeat(i % 50)}` }));
      const source = await make(many);
      try {
        const items = await collect(source);
        expect(items.length).toBe(many.length);
        expect(items.map((item) => item.record?.['id'])).toEqual(many.map((record) => record.id));
      } finally {
        await source.close();
      }
    });

    it('yields nothing for empty input', async () => {
      const source = await make([]);
      try {
        expect(await collect(source)).toEqual([]);
      } finally {
        await source.close();
      }
    });

    it('releases its resources on an early break and close(), and close() is idempotent', async () => {
      const before = openFds();
      const source = await make(Array.from({ length: 3000 }, (_, i) => ({ id: String(i), text: 'y'.repeat(100) })));
      let seen = 0;
      for await (const item of source.items()) {
        expect(item.record).toBeDefined();
        if (++seen === 2) break;
      }
      await source.close();
      await source.close();
      await expect(collect(source)).rejects.toMatchObject({ code: 'EXPORT_SOURCE_UNREADABLE' });
      const after = openFds();
      // Sockets and file handles close asynchronously after the last await; give them a turn.
      if (before !== undefined && after !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(openFds()).toBeLessThanOrEqual(before);
      }
    });

    it('stops reading when the signal aborts', async () => {
      const source = await make(Array.from({ length: 3000 }, (_, i) => ({ id: String(i), text: 'z'.repeat(100) })));
      try {
        const controller = new AbortController();
        let seen = 0;
        const run = (async () => {
          for await (const item of source.items({ signal: controller.signal })) {
            expect(item.ref).toMatch(/\S/);
            if (++seen === 3) controller.abort(new Error('user stop'));
          }
        })();
        await expect(run).rejects.toMatchObject({ code: 'EXPORT_ABORTED' });
        expect(seen).toBe(3);
      } finally {
        await source.close();
      }
      const again = await make(CONTRACT_RECORDS);
      try {
        await expect(collect(again, AbortSignal.abort())).rejects.toMatchObject({ code: 'EXPORT_ABORTED' });
      } finally {
        await again.close();
      }
    });

    if (capabilities.jsonTypes === true) {
      it('keeps JSON types: numbers, booleans, null, arrays, nested objects', async () => {
        const source = await make(TYPED_RECORDS);
        try {
          expect((await collect(source)).map((item) => item.record)).toEqual(TYPED_RECORDS);
        } finally {
          await source.close();
        }
      });
    }

    const unreadable = capabilities.unreadable;
    if (unreadable !== undefined) {
      it('reports unreadable input as issue items with line numbers, and goes on', async () => {
        const { source, records, issues } = await unreadable();
        try {
          const items = await collect(source);
          expect(items.filter((item) => item.record !== undefined).map((item) => item.record)).toEqual(records);
          const found = items.filter((item) => item.issue !== undefined);
          expect(found.map((item) => ({ line: item.line, code: item.issue?.code }))).toEqual(issues);
          for (const item of found) {
            expect(item.record).toBeUndefined();
            expect(item.issue?.line).toBe(item.line);
            expect(item.ref).toMatch(new RegExp(`:${item.line}$`));
            expect(item.issue?.message).toMatch(/\S/);
          }
          const lines = items.map((item) => item.line ?? 0);
          expect(lines).toEqual([...lines].sort((a, b) => a - b));
        } finally {
          await source.close();
        }
      });
    }
  });
}
