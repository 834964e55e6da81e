import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from './export-config.js';
import { exportRecords, type ExportEvent } from './export-records.js';
import { sourceFromIterable, type SourceItem } from './sources/index.js';

function config(over: Partial<ExportConfigInput> = {}) {
  return parseExportConfig({ source: { type: 'stdin' }, split: { validation: 0 }, ...over });
}

async function collect(events: AsyncIterable<ExportEvent>): Promise<ExportEvent[]> {
  const out: ExportEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('exportRecords', () => {
  it('streams lines and rejects in source order and ends with stats (the server\'s /v1/export/stream)', async () => {
    const source = sourceFromIterable(
      [{ instruction: 'a', output: 'b' }, 42, { instruction: 'c' }, { instruction: 'a', output: 'b' }],
      { name: 'body' },
    );
    const events = await collect(exportRecords(source, config({ weighting: { enabled: false } })));
    expect(events.map((e) => e.kind)).toEqual(['line', 'reject', 'reject', 'reject', 'stats']);
    expect(events[0]).toEqual({ kind: 'line', split: 'train', line: '{"instruction":"a","input":"","output":"b"}' });
    expect(events.slice(1, 4).map((e) => (e.kind === 'reject' ? `${e.reject.ref} ${e.reject.stage}/${e.reject.code}` : ''))).toEqual([
      'body:2 source/not_object',
      'body:3 map/missing_field',
      'body:4 dedup/exact_duplicate',
    ]);
    const stats = events.at(-1);
    expect(stats?.kind === 'stats' && stats.stats).toMatchObject({ read: 4, exported: 1, rejected: 3, errors: 2 });
  });

  it('refuses plain records with a TypeError pointing to sourceFromIterable, and exports them through it', async () => {
    const records = [{ instruction: 'Say hi please', output: 'Hello there!' }];
    // What a JavaScript caller can pass: an array of records (for await takes sync iterables too).
    const plain = records as unknown as AsyncIterable<SourceItem>;
    await expect(collect(exportRecords(plain, config()))).rejects.toThrow(
      new TypeError(
        'exportRecords: item 0 is not a SourceItem ({ ref, record } or { ref, issue }), got an object with keys instruction, output. ' +
          'To export plain records, pass sourceFromIterable(records), which names them records:1, records:2, ...',
      ),
    );
    const items = [{ ref: 'mine:1', record: records[0] as Record<string, unknown> }] as unknown as AsyncIterable<SourceItem>;
    expect((await collect(exportRecords(items, config()))).map((e) => e.kind)).toEqual(['line', 'stats']);
    expect((await collect(exportRecords(sourceFromIterable(records), config()))).map((e) => e.kind)).toEqual(['line', 'stats']);
  });

  it('rejects a record whose required field is excluded at stage select', async () => {
    const events = await collect(
      exportRecords(sourceFromIterable([{ instruction: 'a', output: 'b', secret: 1 }]), config({ exclude_fields: ['output'] })),
    );
    expect(events[0]).toMatchObject({ kind: 'reject', reject: { stage: 'select', code: 'required_field_excluded' } });
  });

  it('puts exactly one partition in charge of each record', async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, instruction: `q${i}`, output: `a${i}` }));
    const seen: string[] = [];
    let read = 0;
    for (let index = 0; index < 3; index++) {
      const c = config({ partition: { index, count: 3 }, split: { validation: 0, id_field: 'id' } });
      for await (const e of exportRecords(sourceFromIterable(records), c)) {
        if (e.kind === 'line') seen.push(e.line);
        if (e.kind === 'stats') {
          read += e.stats.read;
          expect(e.stats.read + e.stats.otherPartitions).toBe(300);
        }
      }
    }
    expect(read).toBe(300);
    expect(new Set(seen).size).toBe(300);
  });

  it('keeps read = exported + rejected for any mix of good, bad and duplicate records', async () => {
    const recordArb = fc.oneof(
      fc.record({ instruction: fc.string(), output: fc.string() }),
      fc.record({ instruction: fc.string() }),
      fc.constantFrom({ instruction: 'dup', output: 'dup answer' }),
      fc.integer(),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { maxLength: 40 }), async (records) => {
        const events = await collect(exportRecords(sourceFromIterable(records), config()));
        const last = events.at(-1);
        if (last?.kind !== 'stats') throw new Error('no stats event');
        const lines = events.filter((e) => e.kind === 'line').length;
        const rejects = events.filter((e) => e.kind === 'reject').length;
        expect(last.stats.read).toBe(records.length);
        expect(last.stats.exported).toBe(lines);
        expect(last.stats.rejected).toBe(rejects);
        expect(lines + rejects).toBe(records.length);
      }),
      { numRuns: 60 },
    );
  });

  it('stops with EXPORT_ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      collect(exportRecords(sourceFromIterable([{ instruction: 'a', output: 'b' }]), config(), { signal: controller.signal })),
    ).rejects.toMatchObject({ code: 'EXPORT_ABORTED' });
  });
});
