import { describe, expect, it } from 'vitest';
import { canonicalKey } from './canonical-key.js';
import { digestSample, isMeasured } from './sample-digest.js';

describe('digestSample', () => {
  it('carries the first 128 bits of canonicalKey, the same for a sample in any format', () => {
    const alpaca = { instruction: 'Add  these', input: '2+2', output: ' 4 ' };
    const chat = { messages: [{ role: 'user', content: 'Add these\n\n2+2' }, { role: 'assistant', content: '4' }] };
    const a = digestSample(alpaca);
    const hex = a.key.map((w) => w.toString(16).padStart(8, '0')).join('');
    expect(hex).toBe(canonicalKey(alpaca).slice(0, 32));
    expect(digestSample(chat).key).toEqual(a.key);
    expect(a.format).toBe('alpaca');
    expect(digestSample(chat).format).toBe('messages');
  });

  it('measures both sides in code points and keys prompt conflicts only when a prompt comes first', () => {
    const d = digestSample({ prompt: 'héllo 👋', completion: 'wörld' });
    expect([d.promptChars, d.responseChars]).toEqual([7, 5]);
    expect(d.conflict).not.toBeNull();
    const same = digestSample({ prompt: 'héllo 👋', completion: 'other' });
    expect(same.conflict![0]).toBe(d.conflict![0]);
    expect(same.conflict![1]).toBe(d.conflict![1]);
    expect(same.conflict![2]).not.toBe(d.conflict![2]);
    const text = digestSample({ text: 'only a response' });
    expect([text.promptChars, text.responseChars, text.conflict]).toEqual([-1, 15, null]);
  });

  it('marks samples in no known format, which are never measured', () => {
    const d = digestSample({ question: 'q', answer: 'a' });
    expect(d.format).toBeNull();
    expect(isMeasured(d, 1)).toBe(false);
    expect(isMeasured(digestSample({ text: 'x' }), 1)).toBe(true);
  });
});
