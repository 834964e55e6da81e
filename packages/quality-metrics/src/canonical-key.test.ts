import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalKey, foldText } from './canonical-key.js';

describe('canonicalKey', () => {
  it('is the SHA-256 of role-tagged folded text', () => {
    const expected = createHash('sha256').update('user\u001fHi there\u001eassistant\u001fHello').digest('hex');
    expect(canonicalKey({ prompt: '  Hi \n\t there ', completion: 'Hello' })).toBe(expected);
  });

  it('ignores the source format and Unicode normalisation form', () => {
    const nfd = 'Cafe\u0301';
    const a = canonicalKey({ instruction: 'Café', output: 'ok' });
    expect(canonicalKey({ messages: [{ role: 'user', content: nfd }, { role: 'assistant', content: 'ok' }] })).toBe(a);
    expect(canonicalKey({ format: 'text', turns: [{ role: 'user', text: 'Café' }, { role: 'assistant', text: 'ok' }] })).toBe(a);
  });

  it('distinguishes roles and turn boundaries', () => {
    expect(canonicalKey({ prompt: 'a b', completion: 'c' })).not.toBe(canonicalKey({ prompt: 'a', completion: 'b c' }));
    expect(canonicalKey({ text: 'x' })).not.toBe(canonicalKey({ prompt: '', completion: 'x' }));
  });

  it('throws a coded error for unknown shapes', () => {
    expect(() => canonicalKey({ foo: 1 })).toThrow(expect.objectContaining({ code: 'METRICS_UNRECOGNISED_SAMPLE' }));
  });
});

describe('foldText', () => {
  it('equals NFC + whitespace folding + trim on any text (the fast path changes nothing)', () => {
    const chars = fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', 'a', 'Z', '.', 'é', 'e\u0301', 'ß', '\u0300', '\u212b', '漢', '\u{1f600}', '\u0001');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        expect(foldText(text)).toBe(text.normalize('NFC').replace(/\s+/gu, ' ').trim());
      }),
      { numRuns: 2000 },
    );
  });
});
