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

  it('finds an IPv4 address at the end of a sentence and beside punctuation', () => {
    // The full stop after an address was read as the start of a longer dotted number: the address was kept unredacted.
    for (const text of ['The server is 8.8.8.8.', 'IP-Adresse: 93.184.216.34.', '(8.8.8.8)', 'host=8.8.8.8;', 'ssh root@8.8.8.8', 'range 8.8.8.8-8.8.8.9']) {
      expect(detectPii(text).map((s) => s.type), text).toContain('ipv4');
    }
    expect(detectPii('The server is 8.8.8.8.').map((s) => s.value)).toEqual(['8.8.8.8']);
  });

  it('does not take a version or a section number for an IPv4 address', () => {
    const text = [
      'Upgrade to version 1.2.3.4 now',
      'pip install torch==2.1.0.1',
      'requires pkg>=3.2.1.4',
      'see section 3.2.1.4 of the spec',
      'gemäß Abschnitt 4.2.1.3 und § 5.1.2.3',
      'Nr. 2.1.3.4 der Anlage',
      'v1.2.3.4 and build-id abc8.8.8.8 and 8.8.8.8a and 1.2.3.4-beta',
    ];
    for (const t of text) expect(detectPii(t), t).toEqual([]);
  });

  it('does not take a year in parentheses for an area code', () => {
    // From InstructGermanDPR (../shared): redaction turned a gold answer into "[PHONE]".
    expect(detectPii('Die Stadt hatte (2011) 211.000 Einwohner und (1999) 180 000.')).toEqual([]);
    expect(detectPii('Ruf an: (0221) 123 4567 oder (212) 555-0175').map((s) => s.value)).toEqual(['(0221) 123 4567', '(212) 555-0175']);
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

  it('takes a card number only as a whole token, not digits inside a word or a hash', () => {
    // Each digit run passes the Luhn check; glued to letters, '_' or '-' it is part of something else.
    for (const text of [
      'Commit 26dd0dbc6e3f4c8043749885523d6a25 fixed it',
      'abc4111111111111111',
      '4111111111111111xyz',
      'key_4111111111111111 and ref-4111111111111111',
      'Ünicode4111111111111111 and 4111111111111111ß',
    ]) {
      expect(detectPii(text), text).toEqual([]);
    }
    // Nor a stretch of a longer space-grouped number.
    expect(detectPii('serial 1234 4111 1111 1111 1111 5678')).toEqual([]);
    // Scripts written without spaces (or with particles on numbers) do not glue.
    for (const text of ['卡号4111111111111111', 'カード番号は4111111111111111です', '카드 4111111111111111로 결제']) {
      expect(detectPii(text).map((s) => [s.type, s.value]), text).toEqual([['card', '4111111111111111']]);
    }
  });

  it('takes a card number only with a card issuer prefix and a length that fits it', () => {
    // Luhn-valid, but no issuer starts with 9, 1, 59 or 35 below 3528; Amex has 15 digits, Visa 13, 16 or 19.
    for (const text of [
      'Order 9007199254741006 shipped',
      '{"id":"9007199254741006"}',
      'sku 1234567812345670, 10000000000000009, 590000000000006, 350000000000006',
      'amex? 3782822463100052, visa? 411111111111116',
    ]) {
      expect(detectPii(text), text).toEqual([]);
    }
  });

  it('finds card numbers of each scheme, plain and grouped', () => {
    const cards = [
      '4111111111111111', // Visa 16
      '4222222222222', // Visa 13
      '4111111111111111003', // Visa 19
      '5555555555554444', // Mastercard 51-55
      '2221000000000009', // Mastercard 2-series
      '2720999999999996',
      '378282246310005', // Amex 15
      '3782 822463 10005',
      '30569309025904', // Diners
      '6011111111111117', // Discover
      '3530111333300000', // JCB
      '6200000000000005', // UnionPay
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '5555 5555 5555 4444',
    ];
    for (const card of cards) {
      const text = `pay with ${card}, thanks`;
      expect(detectPii(text), text).toEqual([{ type: 'card', start: 9, end: 9 + card.length, value: card }]);
    }
    expect(detectPii('card 4111111111111111 12/27 cvc 123').map((s) => s.value)).toEqual(['4111111111111111']);
  });

  it('returns sorted, non-overlapping spans', () => {
    const spans = detectPii('x 4539148803436467@example.com y +1 415 555 2671');
    expect(spans.map((s) => s.type)).toEqual(['email', 'phone']);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
  });
});
