import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.js';
import { readJsonl, type JsonlRecord, type JsonlSource } from './read-jsonl.js';
import { validateJsonl } from './validate-jsonl.js';

const messy = fileURLToPath(new URL('../test/fixtures/messy.jsonl', import.meta.url));

async function collect(reader: AsyncIterable<JsonlRecord>): Promise<JsonlRecord[]> {
  const out: JsonlRecord[] = [];
  for await (const r of reader) out.push(r);
  return out;
}

describe('readJsonl', () => {
  it('handles BOM, CRLF, blank lines, bad JSON, invalid UTF-8 and a last line without newline', async () => {
    const reader = readJsonl(messy);
    const records = await collect(reader);
    expect(records.map((r) => [r.line, r.issues.map((i) => i.code)])).toEqual([
      [1, []],
      [4, []],
      [5, []],
      [6, ['parse']],
      [7, ['invalid_utf8']],
      [8, []],
    ]);
    expect(records[0]?.value).toEqual({ instruction: 'a', output: 'b' });
    expect(records[1]?.value).toEqual({ instruction: 1 });
    expect(records[5]?.value).toEqual({ instruction: 'last', output: 'no newline' });
    expect(records[3]?.issues[0]).toMatchObject({ line: 6, path: '' });
    expect(records[3]?.issues[0]?.message).toMatch(/^invalid JSON: /);
    expect(reader.summary()).toEqual({ lines: 8, blank: 2, valid: 4, invalid: 2, byCode: { parse: 1, invalid_utf8: 1 } });
  });

  it('refuses, at the call, a source that is no path, URL or iterable', () => {
    expect(() => readJsonl(42 as unknown as string)).toThrow(new TypeError('readJsonl: expected a file path, a URL or an (async) iterable of chunks, got number'));
    expect(() => readJsonl(null as unknown as string)).toThrow(/got null/);
  });

  it('numbers a slice of a file from firstLine, where a byte-order mark is content, not a mark', async () => {
    const bom = '\ufeff';
    const whole = await collect(readJsonl([`{"a":1}\n\n${bom}{"b":2}\n{"c":3}\n`]));
    // Cut after line 2, as a parallel reader would: the slice must read exactly as those lines of the whole.
    const slice = readJsonl([`${bom}{"b":2}\n{"c":3}\n`], { firstLine: 3 });
    const tail = await collect(slice);
    expect(tail).toEqual(whole.slice(1));
    expect(tail.map((r) => [r.line, r.issues.map((i) => i.code)])).toEqual([
      [3, ['parse']],
      [4, []],
    ]);
    expect(slice.summary().lines).toBe(4);
    expect(await collect(readJsonl([`${bom}{"b":2}\n`], { firstLine: 1 }))).toMatchObject([{ line: 1, value: { b: 2 } }]);
    expect(() => readJsonl(['{}'], { firstLine: 0 })).toThrow(/firstLine must be a positive integer/);
  });

  it('reports an over-long line as an issue, skips it and goes on', async () => {
    const long = `{"x":"${'a'.repeat(5000)}"}`;
    const reader = readJsonl([`{"a":1}\n${long.slice(0, 100)}`, long.slice(100), '\n{"b":2}\n'], { maxLineLength: 1000 });
    const records = await collect(reader);
    expect(records.map((r) => [r.line, r.issues.map((i) => i.code)])).toEqual([
      [1, []],
      [2, ['line_too_long']],
      [3, []],
    ]);
    expect(records[1]?.issues[0]?.message).toContain(`line is ${long.length} bytes`);
    const inOneChunk = await collect(readJsonl([`${long}\n{"a":1}\n`], { maxLineLength: 1000 }));
    expect(inOneChunk.map((r) => [r.line, r.issues.map((i) => i.code)])).toEqual([
      [1, ['line_too_long']],
      [2, []],
    ]);
  });

  it('measures a line without its CR and BOM however the chunks cut it', async () => {
    const line = '"12345678"'; // 10 bytes: exactly maxLineLength
    const codes = async (chunks: (string | Uint8Array)[]) =>
      (await collect(readJsonl(chunks, { maxLineLength: 10 }))).map((r) => (r.issues.length > 0 ? r.issues[0]?.code : r.value));
    // Before: line_too_long whenever the CR or the BOM was held over from an earlier chunk.
    for (const chunks of [[`${line}\r\n`], [`${line}\r`, '\n'], [`\uFEFF${line}`, '\n'], ['\uFEFF', `${line}\r`, '\n'], [`${line}\r`]]) {
      expect(await codes(chunks), JSON.stringify(chunks)).toEqual(['12345678']);
    }
    expect(await codes(['"123456789"\r', '\n'])).toEqual(['line_too_long']);
    expect(await codes(['"12345', '6789"\r\n'])).toEqual(['line_too_long']);
  });

  it('reports integers JSON.parse cannot keep exactly, and keeps long floats and long digit strings', async () => {
    const reader = readJsonl([
      [
        '{"id":9007199254740993,"n":[1,-12345678901234567891]}',
        '{"id":9007199254740992,"big":"12345678901234567891 in text","f":0.7295890000000001,"e":1.5e300}',
        '{"x":{"a/b":123456789012345678901234567890}}',
        '{"__proto__":{"n":-9007199254740995},"big":1e300,"safe":-41923434989976090}',
        // Both parse to 2^53; only the first literal is changed. Digits in a string before them do not count.
        '{"s":"9007199254740992","a":9007199254740993,"b":[9007199254740992,9007199254740993]}',
        // Beyond a double: Infinity, which JSON.stringify writes as null. 1.5e300 is a double.
        '{"x":1e400,"y":[-1E999],"z":1.5e300}',
        // A duplicate key keeps the rounded value: its text order cannot be told, so it is reported.
        '{"a":9007199254740992,"a":9007199254740993}',
      ].join('\n'),
    ]);
    const records = await collect(reader);
    expect(records.map((r) => r.issues.map((i) => `${i.line} ${i.path} ${i.code}`))).toEqual([
      ['1 /id unsafe_integer', '1 /n/1 unsafe_integer'],
      [],
      ['3 /x/a~1b unsafe_integer'],
      ['4 /__proto__/n unsafe_integer'],
      ['5 /a unsafe_integer', '5 /b/1 unsafe_integer'],
      ['6 /x unsafe_integer', '6 /y/0 unsafe_integer'],
      ['7 /a unsafe_integer'],
    ]);
    expect(records[0]?.issues[0]?.message).toBe(
      'integer 9007199254740993 cannot be kept exactly as a JSON number (it would become 9007199254740992); quote it as a string',
    );
    expect(records[0]?.value).toBeUndefined();
    // 2^53 itself is exact; a float's digits are rounded as JSON numbers always are.
    expect(records[1]?.value).toEqual({ id: 9007199254740992, big: '12345678901234567891 in text', f: Number('0.7295890000000001'), e: 1.5e300 });
    expect(reader.summary()).toMatchObject({ valid: 1, invalid: 6, byCode: { unsafe_integer: 9 } });
    expect(records[5]?.issues[0]?.message).toBe('number too large for a JSON number (it would be written as null); quote it as a string');
  });

  it('reads Node streams and URLs, and throws JSONL_SOURCE_UNREADABLE for a missing file', async () => {
    expect((await collect(readJsonl(Readable.from(['{"a":1}\n'])))).map((r) => r.value)).toEqual([{ a: 1 }]);
    expect(await collect(readJsonl(new URL('../test/fixtures/messy.jsonl', import.meta.url)))).toHaveLength(6);
    await expect(collect(readJsonl('/nonexistent/data.jsonl'))).rejects.toMatchObject({
      code: 'JSONL_SOURCE_UNREADABLE',
      message: expect.stringContaining('/nonexistent/data.jsonl') as unknown,
    });
  });

  it('stops reading the source when the loop breaks early', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 1; ; i++) yield `{"n":${i}}\n`;
      } finally {
        closed = true;
      }
    }
    for await (const record of readJsonl(source())) if (record.line === 3) break;
    expect(closed).toBe(true);
  });

  it('yields the same records however the bytes are split into chunks', async () => {
    const line = fc.oneof(
      fc.json(),
      fc.constantFrom('', '  ', '{bad', '"ünïcödé 👍"', '{"k":"\\u00e4"}'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (lines, eol, trailing, cuts) => {
          const bytes = new TextEncoder().encode(lines.join(eol) + (trailing ? eol : ''));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const whole = await collect(readJsonl([bytes]));
          const split = await collect(readJsonl(chunks as JsonlSource));
          expect(split).toEqual(whole);
          const parsed = whole.filter((r) => r.issues.length === 0).map((r) => r.value);
          const expected = lines.filter((l) => l.trim() !== '' && l !== '{bad').map((l) => JSON.parse(l) as unknown);
          expect(parsed).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('validateJsonl', () => {
  it('reports schema issues per line with line numbers, and non-object lines as invalid_type', async () => {
    const validator = await compileSchema({
      type: 'object',
      required: ['instruction', 'output'],
      properties: { instruction: { type: 'string' }, output: { type: 'string' } },
    });
    const reader = validateJsonl(messy, validator);
    const issues = (await collect(reader)).flatMap((r) => r.issues.map((i) => `${i.line} ${i.path} ${i.code}`));
    expect(issues).toEqual([
      '4 /output required',
      '4 /instruction invalid_type',
      '5  invalid_type',
      '6  parse',
      '7  invalid_utf8',
    ]);
    expect(reader.summary()).toEqual({
      lines: 8,
      blank: 2,
      valid: 2,
      invalid: 4,
      byCode: { invalid_type: 2, required: 1, parse: 1, invalid_utf8: 1 },
    });
  });

  it('rejects an integer beyond 2^53 that would otherwise pass a maximum it exceeds', async () => {
    const validator = await compileSchema({ properties: { id: { maximum: 9007199254740992 } } });
    const records = await collect(validateJsonl(['{"id":9007199254740993}\n{"id":9007199254740992}\n'], validator));
    expect(records.map((r) => r.issues.map((i) => i.code))).toEqual([['unsafe_integer'], []]);
  });

  it('reports a value too deep for a recursive schema on its line and reads on', async () => {
    const validator = await compileSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      properties: { a: { type: 'object', additionalProperties: { $ref: '#/properties/a' } } },
    });
    const depth = 10_000;
    const deep = `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
    const reader = validateJsonl([`{"a":{"a":{}}}\n${deep}\n{"a":1}\n`], validator);
    const records = await collect(reader);
    expect(records.map((r) => [r.line, r.issues.map((i) => i.code)])).toEqual([
      [1, []],
      [2, ['too_deep']],
      [3, ['invalid_type']],
    ]);
    expect(records[1]?.issues[0]).toMatchObject({ line: 2, path: '' });
  });

  it('reports a value too deep as too_deep on the compliant engine too', async () => {
    const validator = await compileSchema({
      $defs: { n: { anyOf: [{ type: 'array', items: { $ref: '#/$defs/n' } }, { type: 'object' }] } },
      $ref: '#/$defs/n',
      unevaluatedProperties: true,
    });
    expect(validator.engine).toBe('hyperjump');
    const depth = 200_000;
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const records = await collect(validateJsonl([`[[{}]]\n${deep}\n{}\n`], validator));
    expect(records.map((r) => [r.line, r.issues.map((i) => i.code)])).toEqual([
      [1, []],
      [2, ['too_deep']],
      [3, []],
    ]);
  });
});
