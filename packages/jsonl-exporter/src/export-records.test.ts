import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from './export-config.js';
import { exportRecords, type ExportEvent } from './export-records.js';
import { sourceFromIterable, type SourceItem } from './sources/index.js';

function config(over: Partial<ExportConfigInput> = {}) {
  // No source: exportRecords is handed its records.
  return parseExportConfig({ split: { validation: 0 }, ...over });
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

  it('rejects an item whose record is no object at stage source, naming it, and goes on', async () => {
    const cfg = config({ filter: 'instruction != "x"', dedup: { exact: false } });
    const items = [
      { ref: 'ok:1', record: { instruction: 'q', output: 'a' } },
      { ref: 'bad:2', record: null },
      { ref: 'bad:3', record: ['q', 'a'] },
    ] as unknown as SourceItem[];
    // Before: with a filter, an uncoded TypeError ("Cannot convert undefined or null to object") ended the export.
    const events = await collect(exportRecords(items, cfg));
    expect(events.filter((e) => e.kind === 'reject').map((e) => (e.kind === 'reject' ? [e.reject.ref, e.reject.code, e.reject.message] : []))).toEqual([
      ['bad:2', 'not_object', 'expected a JSON object as the record, got null'],
      ['bad:3', 'not_object', 'expected a JSON object as the record, got an array'],
    ]);
    expect(events.at(-1)).toMatchObject({ kind: 'stats', stats: { read: 3, exported: 1, rejected: 2 } });
  });

  it('takes the items as a plain array of SourceItems', async () => {
    const items: SourceItem[] = [{ ref: 'mem:1', record: { instruction: 'Say hi please', output: 'Hello there!' } }];
    const events = await collect(exportRecords(items, config({ weighting: { enabled: false } })));
    expect(events.filter((e) => e.kind === 'line')).toHaveLength(1);
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

  it('refuses an object or array as the input or system text instead of writing it as JSON text', async () => {
    const records = [
      { instruction: 'q', output: 'a', input: { doc: 'x' } },
      { instruction: 'q', output: 'a', sys: ['a', 'b'] },
      { instruction: 'q', output: 'a', input: 7, sys: 'Be brief.' },
    ];
    const events = await collect(exportRecords(sourceFromIterable(records), config({ field_mapping: { system_field: 'sys' } })));
    expect(events.slice(0, 2)).toMatchObject([
      { kind: 'reject', reject: { stage: 'map', code: 'invalid_field', message: 'field "input" must be text, got an object' } },
      { kind: 'reject', reject: { stage: 'map', code: 'invalid_field', message: 'field "sys" must be text, got an array' } },
    ]);
    expect(events[2]).toMatchObject({ kind: 'line', line: '{"system":"Be brief.","instruction":"q","input":"7","output":"a","weight":1.0005}' });
  });

  it('rejects a record whose required field is excluded at stage select', async () => {
    const events = await collect(
      exportRecords(sourceFromIterable([{ instruction: 'a', output: 'b', secret: 1 }]), config({ exclude_fields: ['output'] })),
    );
    expect(events[0]).toMatchObject({ kind: 'reject', reject: { stage: 'select', code: 'required_field_excluded' } });
    // Left out of include_fields alike: a config mistake, which counts against no error limit.
    const included = await collect(
      exportRecords(sourceFromIterable([{ instruction: 'a', output: 'b' }]), config({ include_fields: ['instruction'], continue_on_error: false })),
    );
    expect(included[0]).toMatchObject({
      kind: 'reject',
      reject: { stage: 'select', code: 'required_field_excluded', message: 'field "output" is required by style "instruction" but not listed in include_fields' },
    });
    // Parts of an array listed: the array is kept or left out whole, so the message says to list the array.
    const parts = await collect(
      exportRecords(
        sourceFromIterable([{ msgs: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }]),
        config({ style: 'chat', field_mapping: { messages_field: 'msgs' }, include_fields: ['msgs.0', 'msgs.1'] }),
      ),
    );
    expect(parts[0]).toMatchObject({
      kind: 'reject',
      reject: {
        code: 'required_field_excluded',
        message: 'field "msgs" is required by style "chat" but include_fields lists only parts of it (msgs.0, msgs.1), and an array is kept or left out whole: list "msgs"',
      },
    });
    // A field the record does not have, or has as null, is missing, whatever the lists say: an error of the record.
    const absent = await collect(exportRecords(sourceFromIterable([{ instruction: 'a' }]), config({ include_fields: ['instruction'] })));
    expect(absent[0]).toMatchObject({ kind: 'reject', reject: { stage: 'map', code: 'missing_field' } });
    const nulls = await collect(
      exportRecords(sourceFromIterable([{ instruction: 'a', output: null, extra: 1 }]), config({ exclude_fields: ['extra'] })),
    );
    expect(nulls[0]).toMatchObject({ kind: 'reject', reject: { stage: 'map', code: 'missing_field' } });
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

/** Exported lines (parsed) and rejects as `stage/code: message` of some records. */
async function run(records: unknown[], over: Partial<ExportConfigInput> = {}) {
  const lines: Record<string, unknown>[] = [];
  const rejects: string[] = [];
  for await (const e of exportRecords(sourceFromIterable(records), config({ dedup: { exact: false }, ...over }))) {
    if (e.kind === 'line') lines.push(JSON.parse(e.line) as Record<string, unknown>);
    if (e.kind === 'reject') rejects.push(`${e.reject.stage}/${e.reject.code}: ${e.reject.message}`);
  }
  return { lines, rejects };
}

describe('exportRecords: record values', () => {
  it('redacts PII in every string inside objects and arrays of custom keys and metadata, keeping the other types', async () => {
    const record = {
      q: 'Who owns this?',
      a: 'The team.',
      meta: { owner: 'carol@example.net', tags: ['x', 'cc bob@example.com'], n: 3, ok: true, none: null },
    };
    const pii: ExportConfigInput['pii'] = { policy: 'redact', strategy: 'remove', fields: ['prompt', 'response', 'metadata'] };
    const custom = await run([record], { style: 'custom', format: { custom: { question: '{{q}}', owner: 'meta', answer: 'a' } }, pii });
    expect(custom.lines).toEqual([
      {
        question: 'Who owns this?',
        owner: { owner: '[EMAIL]', tags: ['x', 'cc [EMAIL]'], n: 3, ok: true, none: null },
        answer: 'The team.',
      },
    ]);
    const metadata = await run([{ instruction: record.q, output: record.a, meta: record.meta }], {
      format: { metadata_fields: ['meta'] },
      weighting: { enabled: false },
      pii,
    });
    expect(metadata.lines[0]?.['metadata']).toEqual({ meta: { owner: '[EMAIL]', tags: ['x', 'cc [EMAIL]'], n: 3, ok: true, none: null } });
    // The source record is not changed by redaction (rejects_include_record writes it as read).
    expect(record.meta.owner).toBe('carol@example.net');
  });

  it('rejects.jsonl records are redacted as the export is, under the redact and reject policies, and kept as read under flag', async () => {
    const record = { instruction: 'Contact me at jane.doe@example.org', output: 'ok fine.', meta: { cc: ['bob@example.com'], n: 1 } };
    const recordsOf = async (pii: ExportConfigInput['pii']) => {
      const out: unknown[] = [];
      const cfg = config({ dedup: { exact: true }, weighting: { enabled: false }, pii });
      for await (const e of exportRecords(sourceFromIterable([record, record]), cfg)) if (e.kind === 'reject') out.push(e.reject.record);
      return out;
    };
    // Before: the duplicate's record in rejects.jsonl kept both addresses, while train.jsonl had them redacted.
    expect(await recordsOf({ policy: 'redact', strategy: 'remove' })).toEqual([
      { instruction: 'Contact me at [EMAIL]', output: 'ok fine.', meta: { cc: ['[EMAIL]'], n: 1 } },
    ]);
    // reject: both records carry PII, so both are rejected, and neither keeps it in rejects.jsonl.
    expect(await recordsOf({ policy: 'reject', strategy: 'mask' })).toEqual([
      { instruction: `Contact me at ${'*'.repeat('jane.doe@example.org'.length)}`, output: 'ok fine.', meta: { cc: ['***************'], n: 1 } },
      { instruction: `Contact me at ${'*'.repeat('jane.doe@example.org'.length)}`, output: 'ok fine.', meta: { cc: ['***************'], n: 1 } },
    ]);
    expect(await recordsOf({ policy: 'flag' })).toEqual([record]);
    expect(record.meta.cc[0]).toBe('bob@example.com');
  });

  it('flag and reject policies see PII nested in a custom key', async () => {
    const record = { q: 'Who?', a: 'Them.', meta: { owner: ['carol@example.net'] } };
    const format = { custom: { question: '{{q}}', owner: 'meta', answer: 'a' } };
    const rejected = await run([record], { style: 'custom', format, pii: { policy: 'reject' } });
    expect(rejected.rejects).toEqual(['pii/pii_detected: contains personal data: email']);
    const flagged = await run([record], { style: 'custom', format, pii: { policy: 'flag' } });
    expect(flagged.lines[0]?.['owner']).toEqual({ owner: ['carol@example.net'] });
  });

  it('reads Dates (database and Parquet timestamps) as their ISO string in text, templates, metadata and weights', async () => {
    const asked = new Date('2025-01-01T08:00:00.000Z');
    const record = { q: asked, a: 'New year.', asked, meta: { at: asked } };
    const instruction = await run([record], {
      field_mapping: { instruction_field: 'q', output_field: 'a' },
      format: { metadata_fields: ['asked', 'meta'] },
      weighting: { timestamp_field: 'asked', now: '2025-01-01T08:00:00Z', length_factor: false },
      structured_gen: { json_schema: { type: 'object', properties: { metadata: { properties: { asked: { type: 'string' } } } } } },
    });
    expect(instruction.rejects).toEqual([]);
    expect(instruction.lines).toEqual([
      {
        instruction: '2025-01-01T08:00:00.000Z',
        input: '',
        output: 'New year.',
        weight: 1,
        metadata: { asked: '2025-01-01T08:00:00.000Z', meta: { at: '2025-01-01T08:00:00.000Z' } },
      },
    ]);
    const custom = await run([record], { style: 'custom', format: { custom: { question: 'When? (asked {{asked}})', at: 'asked', answer: 'a' } } });
    expect(custom.lines).toEqual([{ question: 'When? (asked 2025-01-01T08:00:00.000Z)', at: '2025-01-01T08:00:00.000Z', answer: 'New year.' }]);
  });

  it('splits a Date or bigint split.id_field as the same id read as text from a file', async () => {
    const splitOf = async (records: unknown[]) => {
      const splits: string[] = [];
      const over = config({ dedup: { exact: false }, weighting: { enabled: false }, split: { validation: 0.5, id_field: 'id' } });
      for await (const e of exportRecords(sourceFromIterable(records), over)) if (e.kind === 'line') splits.push(e.split);
      return splits;
    };
    const at = (i: number) => new Date(Date.UTC(2025, 0, 1 + i));
    const asDates = Array.from({ length: 40 }, (_, i) => ({ id: at(i), instruction: `q${i}`, output: `a${i}` }));
    const asText = asDates.map((r) => ({ ...r, id: r.id.toISOString() }));
    const dateSplits = await splitOf(asDates);
    expect(new Set(dateSplits)).toEqual(new Set(['train', 'validation']));
    expect(dateSplits).toEqual(await splitOf(asText));
    const asBigints = Array.from({ length: 40 }, (_, i) => ({ id: BigInt(i) * 10n ** 20n, instruction: `q${i}`, output: `a${i}` }));
    expect(await splitOf(asBigints)).toEqual(await splitOf(asBigints.map((r) => ({ ...r, id: String(r.id) }))));
  });

  it('weighs from the whole record although include_fields leaves the weight and timestamp out of the sample', async () => {
    const records = [
      { instruction: 'q1', output: 'a1', weight: 0.5, ts: '2025-01-01' },
      { instruction: 'q2', output: 'a2', weight: 'abc' },
    ];
    const { lines, rejects } = await run(records, {
      include_fields: ['instruction', 'output'],
      weighting: { timestamp_field: 'ts', now: '2025-06-30', half_life_days: 180, length_factor: false },
    });
    // 180 days at half-life 180: 0.5 x (0.5 + 0.5 x 0.5).
    expect(lines.map((l) => l['weight'])).toEqual([0.375]);
    expect(rejects).toEqual(['weight/invalid_weight: field "weight" must be a number or numeric string, got "abc"']);
  });

  it('rejects a custom template field that is null, writes an empty string as it is', async () => {
    const format = { custom: { prompt: 'Card {{card}} ok?\n\n{{note}}', answer: 'a' } };
    const { lines, rejects } = await run(
      [
        { card: 'x', note: null, a: 'yes' },
        { card: 'y', note: '', a: 'yes' },
      ],
      { style: 'custom', format },
    );
    expect(rejects).toEqual(['map/missing_field: field "note" (for "prompt") is missing or null']);
    expect(lines).toEqual([{ prompt: 'Card y ok?\n\n', answer: 'yes' }]);
  });

  it('joins text content parts with a newline and rejects other part types, naming the message and the type', async () => {
    const text = (t: string) => ({ type: 'text', text: t });
    const chat = (user: unknown, assistant: unknown) => ({
      messages: [
        { role: 'user', content: user },
        { role: 'assistant', content: assistant },
      ],
    });
    const multi = chat([text('multi'), text('part')], [text('ok')]);
    const image = chat([text('see'), { type: 'image_url', image_url: { url: 'https://x/y.png' } }], 'a cat');
    const object = chat({ text: 'hi' }, 'hello');
    for (const style of ['chat', 'openai'] as const) {
      const { lines, rejects } = await run([multi, image, object], { style, weighting: { enabled: false } });
      expect(lines).toEqual([{ messages: [{ role: 'user', content: 'multi\npart' }, { role: 'assistant', content: 'ok' }] }]);
      expect(rejects).toEqual([
        'map/unsupported_content: messages[0].content[1]: content part type "image_url" is not supported (only text parts are exported)',
        'map/invalid_field: messages[0].content must be text or an array of text parts, got an object',
      ]);
    }
    const conversation = { conversations: [{ from: 'human', value: [text('multi')] }, { from: 'gpt', value: 'ok' }] };
    const sharegpt = await run([conversation], {
      style: 'sharegpt',
      field_mapping: { messages_field: 'conversations' },
      weighting: { enabled: false },
    });
    expect(sharegpt.lines).toEqual([{ conversations: [{ from: 'human', value: 'multi' }, { from: 'gpt', value: 'ok' }] }]);
  });

  it("sharegpt keeps a conversation's own system prompt as its first turn, where trainers read it, unless a system column or prompt is set", async () => {
    const conversation = {
      messages: [
        { role: 'system', content: 'You are a tax lawyer.' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
      persona: 'You are a judge.',
    };
    const plain = { messages: [{ role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2' }] };
    const own = await run([conversation, plain], { style: 'sharegpt', weighting: { enabled: false } });
    // LLaMA-Factory reads it with system_tag "system", axolotl with its system role; an unmapped `system` key was dropped.
    expect(own.lines).toEqual([
      {
        conversations: [
          { from: 'system', value: 'You are a tax lawyer.' },
          { from: 'human', value: 'q' },
          { from: 'gpt', value: 'a' },
        ],
      },
      { conversations: [{ from: 'human', value: 'q2' }, { from: 'gpt', value: 'a2' }] },
    ]);
    // The system prompt is part of the exact-dedup key: another one makes another sample; the same one, a duplicate.
    const otherSystem = { ...conversation, messages: [{ role: 'system', content: 'You are a judge.' }, ...conversation.messages.slice(1)] };
    const dedup = await run([conversation, otherSystem, conversation], { style: 'sharegpt', dedup: { exact: true }, weighting: { enabled: false } });
    expect(dedup.lines).toHaveLength(2);
    expect(dedup.rejects).toEqual(['dedup/exact_duplicate: exact duplicate of an earlier sample']);
    // A mapped system column wins over the conversation's own system message, as documented (before, the
    // conversation's won and the column was silently ignored); a record without the column keeps its own.
    const column = await run([conversation, plain, { ...conversation, persona: '' }], {
      style: 'sharegpt',
      field_mapping: { system_field: 'persona' },
      weighting: { enabled: false },
      dedup: { exact: false },
    });
    expect(column.lines).toEqual([
      { conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }], system: 'You are a judge.' },
      { conversations: [{ from: 'human', value: 'q2' }, { from: 'gpt', value: 'a2' }], system: '' },
      { conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }], system: 'You are a tax lawyer.' },
    ]);
    // An empty system_prompt (the way to map the column) blanks out no conversation's own system message.
    const empty = await run([conversation, plain], { style: 'sharegpt', field_mapping: { system_prompt: '' }, weighting: { enabled: false } });
    expect(empty.lines.map((l) => l['system'])).toEqual(['You are a tax lawyer.', '']);
    // Then system_prompt, over the conversation's own, in every conversation style.
    for (const style of ['chat', 'openai'] as const) {
      const constant = await run([conversation], { style, field_mapping: { system_prompt: 'Answer in German.' }, weighting: { enabled: false } });
      expect((constant.lines[0] as { messages: unknown[] }).messages[0]).toEqual({ role: 'system', content: 'Answer in German.' });
    }
  });

  it('chat and openai write no empty system message for an empty system_prompt or a blank own one', async () => {
    const plain = { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] };
    const blankOwn = { messages: [{ role: 'system', content: ' ' }, ...plain.messages] };
    for (const style of ['chat', 'openai'] as const) {
      // Before: {"role":"system","content":""} in every line, which OpenAI's format check counts as missing content.
      const { lines } = await run([plain, blankOwn], { style, field_mapping: { system_prompt: '' }, weighting: { enabled: false } });
      expect(lines.map((l) => l['messages'])).toEqual([plain.messages, plain.messages]);
      // A whitespace-only system_field value is empty: system_prompt stands in, as for a missing one.
      const fallback = await run([{ ...plain, sys: '   ' }, { ...plain, sys: 'Be brief.' }], {
        style,
        field_mapping: { system_field: 'sys', system_prompt: 'Be kind.' },
        weighting: { enabled: false },
      });
      expect(fallback.lines.map((l) => (l['messages'] as { content: string }[])[0]?.content)).toEqual(['Be kind.', 'Be brief.']);
    }
  });

  it('makes bigints of records in memory JSON-safe as the database sources do, in metadata, custom keys and rejects', async () => {
    const record = { q: 'Which id?', a: 'This one.', big: 12345678901234567890n, small: 42n, meta: { n: 7n } };
    const metadata = await run([record], {
      field_mapping: { instruction_field: 'q', output_field: 'a' },
      format: { metadata_fields: ['big', 'small', 'meta'] },
      weighting: { enabled: false },
    });
    // Before: a TypeError ("Do not know how to serialize a BigInt") ended the export.
    expect(metadata.lines[0]?.['metadata']).toEqual({ big: '12345678901234567890', small: 42, meta: { n: 7 } });
    const custom = await run([record], { style: 'custom', format: { custom: { id: 'big', answer: 'a' } } });
    expect(custom.lines).toEqual([{ id: '12345678901234567890', answer: 'This one.' }]);
    const rejected: unknown[] = [];
    const cfg = config({ field_mapping: { instruction_field: 'missing' }, output: { rejects_include_record: true } });
    for await (const e of exportRecords(sourceFromIterable([record]), cfg)) if (e.kind === 'reject') rejected.push(JSON.parse(JSON.stringify(e.reject.record)));
    expect(rejected).toEqual([{ q: 'Which id?', a: 'This one.', big: '12345678901234567890', small: 42, meta: { n: 7 } }]);
    // The caller's record is not changed.
    expect(record.meta.n).toBe(7n);
    // A cyclic value in a field the export never reads does not stop it (an ORM object with a back-reference).
    const parent: Record<string, unknown> = { name: 'p' };
    parent['self'] = parent;
    const cyclic = await run([{ instruction: 'Q1 what', output: 'A1 answer text', meta: parent }, { instruction: 'Q2 what', output: 'A2 answer text' }], {
      weighting: { enabled: false },
      output: { rejects_include_record: false },
    });
    expect(cyclic.lines).toHaveLength(2);
  });

  it('custom style: exact dedup keys on every declared key, so records differing only in a label are both kept', async () => {
    const records = [
      { review: 'I loved this movie', sentiment: 'pos' },
      { review: 'I loved this movie', sentiment: 'neg' },
      { review: 'I loved this movie', sentiment: 'pos' },
    ];
    // `text` is a key quality-metrics' canonical key knows: before, it alone was compared and line 2 was dropped.
    const { lines, rejects } = await run(records, { style: 'custom', format: { custom: { text: '{{review}}', label: 'sentiment' } }, dedup: { exact: true } });
    expect(lines.map((l) => l['label'])).toEqual(['pos', 'neg']);
    expect(rejects).toEqual(['dedup/exact_duplicate: exact duplicate of an earlier sample']);
  });

  it('chat and sharegpt reject conversations that do not alternate from a user turn; openai keeps them', async () => {
    const turns = (...roles: string[]) => ({ messages: roles.map((role, i) => ({ role, content: `${role} ${i}` })) });
    const records = [
      turns('system', 'assistant', 'user', 'assistant'),
      turns('user', 'user', 'assistant'),
      turns('system', 'user', 'assistant', 'user', 'assistant'),
    ];
    for (const style of ['chat', 'sharegpt'] as const) {
      const { lines, rejects } = await run(records, { style, weighting: { enabled: false } });
      expect(lines).toHaveLength(1);
      const why = `(style "${style}" needs user and assistant turns alternating, starting with user, as LLaMA-Factory's sharegpt loader does)`;
      expect(rejects).toEqual([
        `map/invalid_turn_order: messages[1]: turn 1 must be user, got assistant ${why}`,
        `map/invalid_turn_order: messages[1]: turn 2 must be assistant, got user ${why}`,
      ]);
    }
    const openai = await run(records, { style: 'openai' });
    expect(openai.lines).toHaveLength(3);
  });

  it('openai keeps the weight an assistant message has in the record, and refuses one OpenAI refuses', async () => {
    // OpenAI's own example (the fine-tuning guide's "Marv"): the first answer is kept out of training.
    const marv = {
      messages: [
        { role: 'system', content: 'Marv is a sarcastic chatbot.' },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: 'Paris', weight: 0 },
        { role: 'user', content: 'Can you be more sarcastic?' },
        { role: 'assistant', content: 'Paris, as if everyone doesn\'t know that already.', weight: 1 },
      ],
    };
    const reversed = { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a1', weight: 1 }, { role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2', weight: 0 }] };
    // null is no weight (HF datasets writes it into every message of a file where some have one).
    const partly = { messages: [{ role: 'user', content: 'x', weight: 0 }, { role: 'assistant', content: 'y1', weight: null }, { role: 'user', content: 'x2' }, { role: 'assistant', content: 'y2' }] };
    const half = { messages: [{ role: 'user', content: 'h' }, { role: 'assistant', content: 'h1', weight: 0.5 }] };
    const weights = (line: Record<string, unknown>) => (line['messages'] as { weight?: number }[]).map((m) => m.weight ?? '-');
    // Before: the weights were dropped, so "Paris" was trained; with openai_assistant_weight they were recomputed.
    const plain = await run([marv, reversed, partly, half], { style: 'openai' });
    expect(plain.lines.map(weights)).toEqual([['-', '-', 0, '-', 1], ['-', 1, '-', 0], ['-', '-', '-', '-']]);
    expect(plain.rejects).toEqual(['map/invalid_field: messages[1].weight must be 0 or 1 (OpenAI\'s per-message weight), got 0.5']);
    const computed = await run([marv, reversed, partly], { style: 'openai', format: { openai_assistant_weight: true } });
    expect(computed.lines.map(weights)).toEqual([['-', '-', 0, '-', 1], ['-', 1, '-', 0], ['-', 0, '-', 1]]);
    // Other styles write no per-message weight, and do not refuse one.
    const chat = await run([half], { style: 'chat', weighting: { enabled: false } });
    expect(chat.lines).toEqual([{ messages: [{ role: 'user', content: 'h' }, { role: 'assistant', content: 'h1' }] }]);
  });

  it('openai writes no message with empty content even with reject_empty false; whitespace-only stays', async () => {
    const conv = (...texts: unknown[]) => ({ messages: texts.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })) });
    const records = [conv('Hi', '', 'Hello?', 'Yes.'), conv([], 'ok then'), conv('q', ''), conv(' ', 'fine')];
    const { lines, rejects } = await run(records, { style: 'openai', quality: { reject_empty: false, min_text_length: 0 } });
    const why = 'OpenAI refuses a message with empty content, so the openai style does even with quality.reject_empty false';
    expect(rejects).toEqual([
      `filter/empty_turn: turn 2 (assistant) is empty (${why})`,
      `filter/empty_turn: turn 1 (user) is empty (${why})`,
      `filter/empty_response: the response is empty (${why})`,
    ]);
    expect(lines).toEqual([{ messages: [{ role: 'user', content: ' ' }, { role: 'assistant', content: 'fine' }] }]);
    // chat keeps them when asked to.
    const chat = await run(records, { style: 'chat', quality: { reject_empty: false, min_text_length: 0 }, weighting: { enabled: false } });
    expect(chat.lines).toHaveLength(4);
  });

  it('refuses tool and function calls by name rather than as a message without content', async () => {
    const user = { role: 'user', content: 'Weather in Bonn?' };
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Bonn"}' } }] };
    const records = [
      { messages: [user, call, { role: 'tool', tool_call_id: 'c1', content: '12 C' }, { role: 'assistant', content: '12 degrees.' }] },
      { messages: [user, { role: 'assistant', content: 'Let me look.', function_call: { name: 'weather', arguments: '{}' } }] },
      { messages: [user, { role: 'function_call', content: '{"name":"weather"}' }, { role: 'observation', content: '12 C' }, { role: 'assistant', content: '12.' }] },
      { messages: [user, { role: 'assistant', content: 'No tools needed.', tool_calls: [] }] },
    ];
    const { lines, rejects } = await run(records, { style: 'openai' });
    // Before: "messages[1] needs role and content (or from and value)" for a message that has a role.
    expect(rejects).toEqual([
      'map/unsupported_role: messages[1]: tool and function calls are not exported (no style writes them)',
      'map/unsupported_role: messages[1]: tool and function calls are not exported (no style writes them)',
      'map/unsupported_role: messages[1]: tool and function calls are not exported (no style writes them)',
    ]);
    expect(lines).toHaveLength(1);
  });
});
