import { describe, expect, it } from 'vitest';
import { characterRatios, charNgramRepetition, hasOpenFence, hasPlaceholder, hasSpecialToken, wordNgramRepetition } from './heuristics.js';
import { mtld } from './mtld.js';

describe('heuristics', () => {
  it('char 10-gram repetition: "abababababab" has grams abab…(0), baba…(1), abab…(2): 1 repeat of 3', () => {
    expect(charNgramRepetition('abababababab', 10)).toBeCloseTo(1 / 3, 12);
    expect(charNgramRepetition('abcdefghijklmnop', 10)).toBe(0);
    expect(charNgramRepetition('short', 10)).toBe(0);
  });

  it('word n-gram repetition counts repeats of earlier n-grams', () => {
    const words = ['a', 'b', 'a', 'b', 'a'];
    const hashes = new Uint32Array([1, 2, 1, 2, 1]);
    // 2-grams: ab, ba, ab, ba -> 2 repeats of 4.
    expect(wordNgramRepetition(words, hashes, 2)).toBe(0.5);
  });

  it('character ratios ignore whitespace', () => {
    expect(characterRatios('ab 1#')).toEqual({ alphanumeric: 0.75, special: 0.25 });
    expect(characterRatios('Hello, world!')).toEqual({ alphanumeric: 10 / 12, special: 0 });
  });

  it('detects placeholders, special tokens and open fences', () => {
    expect(hasPlaceholder('Answer {input} now')).toBe(true);
    expect(hasPlaceholder('{{name}}')).toBe(true);
    expect(hasPlaceholder('f"{x}"')).toBe(false);
    expect(hasSpecialToken('done</s>')).toBe(true);
    expect(hasSpecialToken('<|eot_id|>')).toBe(true);
    expect(hasSpecialToken('a < b')).toBe(false);
    expect(hasOpenFence('```py\nx = 1\n```')).toBe(false);
    expect(hasOpenFence('```py\nx = 1')).toBe(true);
  });

  it('MTLD: "a a a a" closes a factor every two words, so 4 / 2 = 2 both ways', () => {
    expect(mtld(['a', 'a', 'a', 'a'])).toBe(2);
    // All distinct: TTR never drops, no factor, MTLD = length.
    expect(mtld(['a', 'b', 'c'])).toBe(3);
    // One repeated word among 451 leaves only a tiny partial factor: never more than the length (was 56,952-like).
    const almost = [...Array.from({ length: 450 }, (_, i) => `w${i}`), 'w0'];
    expect(mtld(almost)).toBe(451);
  });
});

describe('characterRatios', () => {
  it('classifies ASCII through its table exactly as through the regexes', () => {
    const alnum = /[\p{L}\p{N}]/u;
    const ordinary = /[\p{L}\p{M}\p{N}\s.,;:!?'"()\-–—’“”]/u;
    for (let c = 0; c < 128; c++) {
      if (c === 32 || c === 10 || c === 9 || c === 13) continue;
      const ch = String.fromCharCode(c);
      const expected = alnum.test(ch) ? { alphanumeric: 1, special: 0 } : { alphanumeric: 0, special: ordinary.test(ch) ? 0 : 1 };
      expect(characterRatios(ch), `U+${c.toString(16)}`).toEqual(expected);
    }
    expect(characterRatios('a#é€ 1')).toEqual({ alphanumeric: 3 / 5, special: 2 / 5 });
  });
});
