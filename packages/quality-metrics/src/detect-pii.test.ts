import { describe, expect, it } from 'vitest';
import { detectPii, ibanValid, luhnValid } from './detect-pii.js';

describe('checksums', () => {
  it('Luhn accepts valid card numbers and rejects a changed digit', () => {
    // 4539 1488 0343 6467: digits doubled from the right give a sum of 80.
    expect(luhnValid('4539148803436467')).toBe(true);
    expect(luhnValid('4539148803436468')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });

  it('mod-97 accepts the ISO example IBANs and rejects a typo', () => {
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
  });
});

describe('detectPii', () => {
  it('finds each type with exact UTF-16 offsets', () => {
    const text =
      '😀 Mail ana.b@example.org, call +44 20 7946 0958 or (212) 555-0175, IBAN GB82 WEST 1234 5698 7654 32, ' +
      'card 4539 1488 0343 6467, host 8.8.8.8 and 2606:4700:4700::1111.';
    const spans = detectPii(text);
    expect(spans.map((s) => [s.type, s.value])).toEqual([
      ['email', 'ana.b@example.org'],
      ['phone', '+44 20 7946 0958'],
      ['phone', '(212) 555-0175'],
      ['iban', 'GB82 WEST 1234 5698 7654 32'],
      ['card', '4539 1488 0343 6467'],
      ['ipv4', '8.8.8.8'],
      ['ipv6', '2606:4700:4700::1111'],
    ]);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.value);
  });

  it('skips private and documentation addresses, failed checksums and plain numbers', () => {
    const text =
      'lan 192.168.1.10, loopback 127.0.0.1, doc 203.0.113.5, v6 fe80::1 and 2001:db8::1, version 1.2.3.4.5, ' +
      'card 4539 1488 0343 6468, IBAN GB82 WEST 1234 5698 7654 33, order 123456789, date 2024-01-15, time 12:30:45';
    expect(detectPii(text)).toEqual([]);
  });

  it('does not take the digits of a decimal fraction for a card number', () => {
    // 4111111111111111 passes the Luhn check; as the digits of a fraction it is not a card.
    expect(detectPii('ratio 0.4111111111111111 and score 4111111111111111.5')).toEqual([]);
    expect(detectPii('card 4111111111111111.').map((s) => [s.type, s.value])).toEqual([['card', '4111111111111111']]);
    // A comma between digits is a separator as often as a decimal comma: CSV cells stay cards.
    for (const text of ['4111111111111111,12/27,123', 'id,card\n7,4111111111111111\n', 'Karte 4111 1111 1111 1111,5 EUR']) {
      expect(detectPii(text).map((s) => s.type), text).toEqual(['card']);
    }
  });

  it('returns sorted, non-overlapping spans', () => {
    const spans = detectPii('x 4539148803436467@example.com y +1 415 555 2671');
    expect(spans.map((s) => s.type)).toEqual(['email', 'phone']);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
  });
});
