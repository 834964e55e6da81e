import fc from 'fast-check';
import { countCodePoints } from '@lorakit/schema-validation';
import { describe, expect, it } from 'vitest';
import { canonicalText } from '../canonical-key.js';
import type { NormalizedSample, Turn } from '../normalize-sample.js';
import { CanonicalBytes } from './canonical-bytes.js';

const piece = fc.constantFrom(
  ' ', '  ', '\t', '\n', '\r\n', '\u000b', '\u000c', '\u00a0', '\u2003', '\u0001', '\u001f', 'a', 'Z', '.', 'é', 'e\u0301',
  'ß', '\u0300', '\u212b', '漢', '\u{1f600}', '\ud800', '\udc00', 'word', 'two words',
);
const text = fc.array(piece, { maxLength: 25 }).map((p) => p.join(''));
const role = fc.constantFrom('system', 'user', 'assistant', 'tool', 'rôle');
const turns = fc.array(fc.record({ role, text }), { maxLength: 5 }) as fc.Arbitrary<Turn[]>;

/** What the content tier measures: code points of a side's raw turns joined the way it joins them. */
function sideChars(list: readonly Turn[], assistant: boolean): number {
  let joined: string | undefined;
  for (const t of list) {
    if ((t.role === 'assistant') !== assistant) continue;
    joined = joined === undefined || joined === '' ? t.text : `${joined}\n${t.text}`;
  }
  return joined === undefined ? -1 : countCodePoints(joined);
}

describe('CanonicalBytes', () => {
  it('writes exactly the UTF-8 of canonicalText and the byte ranges of the prompt and last response', () => {
    const cb = new CanonicalBytes();
    fc.assert(
      fc.property(turns, (list) => {
        const sample: NormalizedSample = { format: 'messages', turns: list };
        cb.write(list);
        const bytes = Buffer.from(cb.buf.subarray(0, cb.length));
        expect(bytes.equals(Buffer.from(canonicalText(sample), 'utf8'))).toBe(true);
        const last = list.map((t) => t.role).lastIndexOf('assistant');
        expect(cb.lastAssistant).toBe(last);
        if (last >= 0) {
          const before = canonicalText({ format: 'messages', turns: list.slice(0, last) });
          const prompt = last === 0 ? '' : `${before}\u001e`;
          expect(bytes.subarray(0, cb.promptEnd).equals(Buffer.from(prompt, 'utf8'))).toBe(true);
          const folded = canonicalText({ format: 'messages', turns: [list[last]!] }).slice('assistant\u001f'.length);
          expect(bytes.subarray(cb.responseStart, cb.responseEnd).equals(Buffer.from(folded, 'utf8'))).toBe(true);
        }
        expect(cb.promptChars).toBe(sideChars(list, false));
        expect(cb.responseChars).toBe(sideChars(list, true));
      }),
      { numRuns: 3000 },
    );
  });

  it('folds ASCII text at every alignment and run length like the /\\s+/ replacement and trim', () => {
    const cb = new CanonicalBytes();
    const ascii = fc.array(fc.constantFrom('a', 'b', ' ', ' ', '  ', '\n', '\t', '\r\n', '\u0001', '~'), { maxLength: 200 }).map((p) => p.join(''));
    fc.assert(
      // Role lengths 4, 9, 1, 2, 3 start the text at every offset modulo 4 (the folding reads four bytes at a time).
      fc.property(fc.constantFrom('user', 'assistant', 'x', 'ab', 'abc'), ascii, (r, t) => {
        cb.write([{ role: r as Turn['role'], text: t }]);
        expect(cb.buf.subarray(0, cb.length).toString('latin1')).toBe(`${r}\u001f${t.replace(/\s+/g, ' ').trim()}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('grows its buffer for a long sample and keeps working for short ones after it', () => {
    const cb = new CanonicalBytes();
    const long = 'ab  '.repeat(50_000) + '漢'.repeat(10_000);
    cb.write([{ role: 'user', text: long }]);
    expect(cb.buf.subarray(0, cb.length).toString('utf8')).toBe(canonicalText({ format: 'text', turns: [{ role: 'user', text: long }] }));
    cb.write([{ role: 'assistant', text: ' x ' }]);
    expect(cb.buf.subarray(0, cb.length).toString('utf8')).toBe('assistant\u001fx');
  });
});
