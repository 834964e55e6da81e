import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from './compare-values.js';
import { compileFilter } from './compile-filter.js';

const keep = (expression: string, record: Record<string, unknown>) => compileFilter(expression)(record);

function errorOf(expression: string): { code?: string; message: string } {
  try {
    compileFilter(expression);
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error(`"${expression}" compiled`);
}

describe('compileFilter', () => {
  const doc = {
    theme: 'Umweltrecht',
    created_at: '2021-03-04T10:00:00Z',
    importance: 0.7,
    score_text: '0.7',
    public: true,
    tags: ['law', 'eu'],
    meta: { source: 'web', nested: { depth: 3 } },
    messages: [{ role: 'user', content: 'Hi' }],
    empty: '',
    nothing: null,
  };

  it('evaluates the example from the issue', () => {
    const expression = 'theme == "Umweltrecht" and created_at >= "2020-01-01" and importance >= 0.5';
    expect(keep(expression, doc)).toBe(true);
    expect(keep(expression, { ...doc, created_at: '2019-12-31T23:59:59Z' })).toBe(false);
    expect(keep(expression, { ...doc, importance: 0.4 })).toBe(false);
    expect(keep(expression, { ...doc, theme: 'Steuerrecht' })).toBe(false);
  });

  it('compares ISO dates as instants, not text, whatever the offset or precision', () => {
    expect(keep('t > "2020-01-01T00:00:00Z"', { t: '2020-01-01T01:30:00+01:00' })).toBe(true);
    expect(keep('t < "2020-01-01T00:00:00Z"', { t: '2020-01-01T00:30:00+01:00' })).toBe(true);
    expect(keep('t == "2020-01-01"', { t: '2020-01-01T00:00:00.000Z' })).toBe(true);
    expect(keep('t >= "2020-01-01"', { t: new Date('2020-06-01T00:00:00Z') })).toBe(true);
    expect(keep('t >= "2020-01-01"', { t: '2020-01-01 00:00:00' })).toBe(true);
    // Not a date on one side: nothing holds, so a typo never passes records through by string order.
    expect(keep('t >= "2020-01-01"', { t: 'yesterday' })).toBe(false);
    expect(keep('t < "2020-01-01"', { t: 'yesterday' })).toBe(false);
    expect(keep('t >= "2020-02-30"', { t: '2021-01-01' })).toBe(false);
  });

  it('reads a year-month literal as the first instant of that month, and a lowercase t as the separator', () => {
    // Before: "2020-06" was no date, so every comparison with a timestamp was false and the filter kept nothing.
    expect(keep('c >= "2020-06"', { c: '2020-06-01T00:00:00Z' })).toBe(true);
    expect(keep('c >= "2020-06"', { c: '2020-05-31T23:59:59Z' })).toBe(false);
    expect(keep('c < "2020-06"', { c: new Date('2020-05-31T23:59:59Z') })).toBe(true);
    expect(keep('c == "2020-06"', { c: '2020-06-01' })).toBe(true);
    expect(parseIsoInstant('2020-06')).toBe(Date.UTC(2020, 5, 1));
    expect(parseIsoInstant('2020-13')).toBeUndefined();
    expect(parseIsoInstant('2020-6')).toBeUndefined();
    // RFC 3339 allows a lowercase t (and z).
    expect(keep('c == "2020-01-01t05:00:00z"', { c: '2020-01-01T05:00:00Z' })).toBe(true);
    // A bare year stays a numeric string: numbers compare to it numerically, and it is no date.
    expect(parseIsoInstant('2020')).toBeUndefined();
    expect(keep('n >= "2020"', { n: 2021 })).toBe(true);
  });

  it('keeps years below 100 as written, not as 19xx', () => {
    const year50 = new Date(Date.UTC(2000, 5, 1));
    year50.setUTCFullYear(50);
    expect(keep('t == "0050-06-01"', { t: year50 })).toBe(true);
    expect(keep('t < "1900-01-01"', { t: '0099-12-31T23:59:59Z' })).toBe(true);
    // Year 0 is a leap year; 1900 (where Date.UTC would put it) is not.
    const leapDay = new Date(Date.UTC(2000, 1, 29));
    leapDay.setUTCFullYear(0);
    expect(keep('t == "0000-02-29"', { t: leapDay })).toBe(true);
  });

  it('reads a date-time without offset as UTC', () => {
    expect(keep('t == "2020-01-01T12:00:00Z"', { t: '2020-01-01T12:00:00' })).toBe(true);
  });

  it('compares numbers numerically, also against numeric strings such as CSV cells', () => {
    expect(keep('n > 9', { n: 10 })).toBe(true);
    expect(keep('n > 9', { n: '10' })).toBe(true);
    expect(keep('n == 1', { n: '1.0' })).toBe(true);
    expect(keep('n > 9', { n: 'ten' })).toBe(false);
    expect(keep('n > 9', { n: '' })).toBe(false);
    expect(keep('importance >= 0.5', { importance: '0.7' })).toBe(true);
    // Two strings compare as text: the expression decides the type with its literal.
    expect(keep('n > "9"', { n: '10' })).toBe(false);
    expect(keep('n == -1.5e3', { n: -1500 })).toBe(true);
  });

  it('treats a missing field as null: equal only to null, and != anything else', () => {
    expect(keep('missing == null', doc)).toBe(true);
    expect(keep('nothing == null', doc)).toBe(true);
    expect(keep('theme == null', doc)).toBe(false);
    expect(keep('missing != "x"', doc)).toBe(true);
    expect(keep('missing < 5', doc)).toBe(false);
    expect(keep('missing >= 5', doc)).toBe(false);
  });

  it('supports booleans, also against "true"/"false" strings', () => {
    expect(keep('public == true', doc)).toBe(true);
    expect(keep('public', doc)).toBe(true);
    expect(keep('flag == true', { flag: 'true' })).toBe(true);
    expect(keep('flag == false', { flag: 'yes' })).toBe(false);
    // CSV cells as pandas and spreadsheets write them (before, only lowercase compared).
    for (const flag of ['TRUE', 'True']) expect(keep('flag == true', { flag }), flag).toBe(true);
    expect(keep('flag == false', { flag: 'FALSE' })).toBe(true);
  });

  it('reads a bare "false" CSV cell as false, as == false does (before, every non-empty string was true)', () => {
    const rows = ['false', 'true', 'FALSE', 'False', 'TRUE'].map((archived) => ({ archived }));
    const cells = (expression: string) => rows.filter((r) => compileFilter(expression, { textCells: true })(r)).map((r) => r.archived);
    expect(cells('not archived')).toEqual(['false', 'FALSE', 'False']);
    expect(cells('archived')).toEqual(['true', 'TRUE']);
    // Outside CSV the string "false" is a non-empty string: a JSON answer "false" of a true/false dataset is kept.
    expect(keep('answer', { answer: 'false' })).toBe(true);
  });

  it('supports in, not in, contains and not contains', () => {
    expect(keep('theme in ["Umweltrecht", "Steuerrecht"]', doc)).toBe(true);
    expect(keep('theme not in ["Umweltrecht"]', doc)).toBe(false);
    expect(keep('importance in [0.7, 1]', doc)).toBe(true);
    expect(keep('theme in []', doc)).toBe(false);
    expect(keep('theme contains "welt"', doc)).toBe(true);
    expect(keep('tags contains "eu"', doc)).toBe(true);
    expect(keep('tags not contains "us"', doc)).toBe(true);
    expect(keep('importance contains "7"', doc)).toBe(false);
  });

  it('reads nested paths, array indexes and quoted field names', () => {
    expect(keep('meta.source == "web"', doc)).toBe(true);
    expect(keep('meta.nested.depth > 2', doc)).toBe(true);
    expect(keep('messages.0.role == "user"', doc)).toBe(true);
    expect(keep('`odd name`.x == 1', { 'odd name': { x: 1 } })).toBe(true);
    expect(keep('`in` == 1', { in: 1 })).toBe(true);
    // A quoted name holding dots, below the top level or above it (before: the path was split again at its dots).
    expect(keep('a.`b.c` == 1', { a: { 'b.c': 1 } })).toBe(true);
    expect(keep('`a.b`.c == 1', { 'a.b': { c: 1 } })).toBe(true);
    expect(keep('a.`b.c` == 1', { a: { b: { c: 1 } } })).toBe(false);
    // A flat column literally named with dots, as CSV headers often are.
    expect(keep('meta.source == "csv"', { 'meta.source': 'csv' })).toBe(true);
    expect(keep('constructor == null', {})).toBe(true);
    expect(keep('a.b.0.1 == 5', { a: { b: [[0, 5]] } })).toBe(true);
    expect(keep('Größe >= 2 and Straße.Nr == 5', { Größe: '3', Straße: { Nr: 5 } })).toBe(true);
  });

  it('follows precedence: not over and over or, parentheses first', () => {
    expect(keep('a == 1 or a == 2 and b == 3', { a: 1, b: 0 })).toBe(true);
    expect(keep('(a == 1 or a == 2) and b == 3', { a: 1, b: 0 })).toBe(false);
    expect(keep('not a == 1 and b == 0', { a: 2, b: 0 })).toBe(true);
    expect(keep('NOT (a == 1 OR b == 0)', { a: 2, b: 0 })).toBe(false);
    expect(keep('a == 1 && !(b == 1) || false', { a: 1, b: 0 })).toBe(true);
  });

  it('treats a bare field as truthy unless missing, null, false, 0, "" or []', () => {
    for (const value of [undefined, null, false, 0, '', []]) expect(keep('x', { x: value })).toBe(false);
    for (const value of [true, 1, 'a', [0], {}]) expect(keep('x', { x: value })).toBe(true);
  });

  it('decodes string escapes', () => {
    expect(keep(String.raw`s == "a\"b\n\u00e9"`, { s: 'a"b\né' })).toBe(true);
    expect(keep(`s == 'it''s'`.replace("''", "\\'"), { s: "it's" })).toBe(true);
  });

  it('rejects bad expressions with EXPORT_FILTER_INVALID and the column of the problem', () => {
    const cases: [string, number, string][] = [
      ['theme = "x"', 7, 'use =='],
      ['theme == ', 10, 'expected a field or a value'],
      ['(a == 1', 8, 'expected ")"'],
      ['a == 1 b', 8, 'expected "and", "or"'],
      ['a == "x', 6, 'unterminated string'],
      ['a in ("x")', 6, 'expected "["'],
      ['a in [b]', 7, 'list items must be literals'],
      ['a == #', 6, 'unexpected character'],
      ['"x"', 1, 'not a condition'],
      ['', 1, 'empty'],
      ['a == and', 6, 'keyword "and"'],
      ['a.', 3, 'expected a field name'],
      ['a == 12abc', 6, 'invalid number'],
    ];
    for (const [expression, column, text] of cases) {
      const error = errorOf(expression);
      expect(error.code, expression).toBe('EXPORT_FILTER_INVALID');
      expect(error.message, expression).toContain(`column ${column}:`);
      expect(error.message, expression).toContain(text);
      expect(error.message, expression).toContain(`\n  ${' '.repeat(column - 1)}^`);
    }
  });

  it('counts error columns in characters, per line of a multi-line expression', () => {
    // Columns counted UTF-16 units (an emoji two), and a YAML `filter: |` block was one long line.
    const emoji = errorOf('s == "😀😀" and a = 1');
    expect(emoji.message).toContain('column 17: use ==');
    expect(emoji.message).toContain(`\n  s == "😀😀" and a = 1\n  ${' '.repeat(16)}^`);
    expect(errorOf('😀 == 1').message).toContain('unexpected character "😀"');
    const multi = errorOf('theme == "Umweltrecht"\nand importance = 0.5\n');
    expect(multi.message).toContain('line 2, column 16: use ==');
    expect(multi.message).toContain(`\n  and importance = 0.5\n  ${' '.repeat(15)}^`);
    // A one-line YAML block ends in a newline: still one line, the error at its end.
    expect(errorOf('theme ==\n').message).toContain('column 9: expected a field or a value');
    expect(errorOf('(a == 1 or\n (b == 2)').message).toContain('line 2, column 10: expected ")" to close the "(" at line 1, column 1');
  });

  it('refuses nesting deeper than 64 levels instead of overflowing the stack', () => {
    expect(errorOf(`${'('.repeat(100)}a${')'.repeat(100)}`).message).toContain('nesting deeper than 64');
    expect(errorOf(`${'not '.repeat(100)}a`).message).toContain('nesting deeper than 64');
    expect(keep(`${'('.repeat(30)}a == 1${')'.repeat(30)}`, { a: 1 })).toBe(true);
  });

  it('never evaluates code: property access tricks are plain field reads', () => {
    expect(keep('__proto__ == null', {})).toBe(true);
    expect(keep('toString == null', {})).toBe(true);
    expect(errorOf('process.exit()').code).toBe('EXPORT_FILTER_INVALID');
  });

  it('throws only EXPORT_FILTER_INVALID for any input, and compiled filters never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.jsonValue(), (expression, value) => {
        let filter: ((record: Record<string, unknown>) => boolean) | undefined;
        try {
          filter = compileFilter(expression);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('EXPORT_FILTER_INVALID');
          return;
        }
        expect(typeof filter({ a: value, b: { c: value } })).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('orders numbers exactly as JavaScript does, numeric strings included', () => {
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(number, number, fc.boolean(), (a, b, asString) => {
        const literal = JSON.stringify(b);
        const value = asString ? String(a) : a;
        expect(keep(`x < ${literal}`, { x: value })).toBe(a < b);
        expect(keep(`x >= ${literal}`, { x: value })).toBe(a >= b);
        expect(keep(`x == ${literal}`, { x: value })).toBe(a === b);
        expect(keep(`${literal} > x`, { x: value })).toBe(b > a);
      }),
      { numRuns: 1000 },
    );
  });

  it('orders ISO timestamps by instant whatever their offsets', () => {
    const instant = fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9000, 0, 1) });
    const offset = fc.integer({ min: -14 * 60, max: 14 * 60 });
    const iso = (t: number, minutes: number) => {
      const local = new Date(t + minutes * 60_000).toISOString().slice(0, 23);
      const sign = minutes < 0 ? '-' : '+';
      const abs = Math.abs(minutes);
      return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    };
    fc.assert(
      fc.property(instant, instant, offset, offset, (a, b, oa, ob) => {
        const record = { t: iso(a, oa) };
        expect(keep(`t < "${iso(b, ob)}"`, record)).toBe(a < b);
        expect(keep(`t == "${iso(b, ob)}"`, record)).toBe(a === b);
        expect(keep(`"${iso(b, ob)}" <= t`, record)).toBe(b <= a);
        expect(keep('t < u', { ...record, u: iso(b, ob) })).toBe(a < b);
      }),
      { numRuns: 1000 },
    );
  });
});
