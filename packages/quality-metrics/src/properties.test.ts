import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalKey } from './canonical-key.js';
import { detectPii } from './detect-pii.js';

const piiish = fc.array(
  fc.oneof(
    fc.constantFrom('ana@example.org', '+44 20 7946 0958', '4539 1488 0343 6467', '8.8.8.8', '2606:4700::1111', 'GB82 WEST 1234 5698 7654 32', '(212) 555-0175'),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(' ', '\n', '.', ':', '-', '@', '😀', '1', '2001:db8::1'),
  ),
  { maxLength: 20 },
).map((parts) => parts.join(''));

describe('properties', () => {
  it('detectPii spans are sorted, disjoint, inside the text and equal to their slice', () => {
    fc.assert(
      fc.property(piiish, (text) => {
        const spans = detectPii(text);
        let end = 0;
        for (const s of spans) {
          expect(s.start).toBeGreaterThanOrEqual(end);
          expect(s.end).toBeLessThanOrEqual(text.length);
          expect(text.slice(s.start, s.end)).toBe(s.value);
          end = s.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('canonicalKey ignores whitespace layout but not words', () => {
    const words = fc.array(fc.stringMatching(/^[a-zé]{1,6}$/), { minLength: 1, maxLength: 8 });
    const space = fc.constantFrom(' ', '  ', '\t', '\n', ' \n ');
    fc.assert(
      fc.property(words, fc.array(space, { minLength: 9, maxLength: 9 }), (ws, gaps) => {
        const spaced = ws.map((w, i) => w + gaps[i]!).join('');
        expect(canonicalKey({ prompt: gaps[8]! + spaced, completion: 'x' })).toBe(canonicalKey({ prompt: ws.join(' '), completion: 'x' }));
        expect(canonicalKey({ prompt: ws.join(''), completion: 'x' })).not.toBe(
          ws.length > 1 ? canonicalKey({ prompt: ws.join(' '), completion: 'x' }) : '',
        );
      }),
      { numRuns: 300 },
    );
  });
});
