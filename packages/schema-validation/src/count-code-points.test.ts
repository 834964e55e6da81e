import { describe, expect, it } from 'vitest';
import { countCodePoints } from './count-code-points.js';

describe('countCodePoints', () => {
  it('counts umlauts and emoji as one character each, as minLength/maxLength do', () => {
    expect(countCodePoints('Größe 👍')).toBe(7);
    expect(countCodePoints('🎨'.repeat(500))).toBe(500);
    expect(countCodePoints('')).toBe(0);
  });

  it('counts a lone surrogate as one character', () => {
    expect(countCodePoints('a\ud800')).toBe(2);
    expect(countCodePoints('\udc00b')).toBe(2);
  });
});
