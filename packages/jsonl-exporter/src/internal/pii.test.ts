import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from '../export-config.js';
import type { Draft } from './draft.js';
import { PiiStage } from './pii.js';

const KEY = 'a-long-enough-secret-key';

function stage(pii: ExportConfigInput['pii'], env: NodeJS.ProcessEnv = {}): PiiStage {
  return new PiiStage(parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' }, pii }), env);
}

function draft(user: string, assistant: string): Draft {
  return {
    system: undefined,
    turns: [
      { role: 'user', text: user },
      { role: 'assistant', text: assistant },
    ],
    input: undefined,
    custom: undefined,
    metadata: undefined,
    weight: undefined,
  };
}

const TEXT = 'Write to ana@example.org today';

describe('PiiStage', () => {
  it('remove: replaces each span with a typed placeholder', () => {
    const d = draft(TEXT, 'ok');
    const found = stage({ policy: 'redact', strategy: 'remove' }).apply(d, -1);
    expect(found).toEqual({ count: 1, types: ['email'] });
    expect(d.turns[0]?.text).toBe('Write to [EMAIL] today');
  });

  it('redacts the system prompt and metadata too unless pii.fields says otherwise', () => {
    // The default was prompt and response: `--pii.policy redact` exported a system prompt's and metadata's e-mails.
    const d = { ...draft(TEXT, 'ok'), system: 'Kontakt: admin@example.de', metadata: { owner: 'bo@example.net', n: 1 } };
    expect(stage({ policy: 'redact' }).apply(d, -1)).toEqual({ count: 3, types: ['email'] });
    expect([d.system, d.metadata, d.turns[0]?.text]).toEqual(['Kontakt: [EMAIL]', { owner: '[EMAIL]', n: 1 }, 'Write to [EMAIL] today']);
    const only = { ...draft(TEXT, 'ok'), system: 'Kontakt: admin@example.de' };
    stage({ policy: 'redact', fields: ['prompt'] }).apply(only, -1);
    expect(only.system).toBe('Kontakt: admin@example.de');
  });

  it('mask: keeps the length, hides every character', () => {
    const d = draft(TEXT, 'ok');
    stage({ policy: 'redact', strategy: 'mask' }).apply(d, -1);
    expect(d.turns[0]?.text).toBe(`Write to ${'*'.repeat('ana@example.org'.length)} today`);
  });

  it('hash: HMAC-SHA256 with the key from the environment, stable across records', () => {
    const s = stage({ policy: 'redact', strategy: 'hash' }, { LORAKIT_PII_HASH_KEY: KEY });
    const d1 = draft(TEXT, 'ok');
    const d2 = draft('mail ana@example.org', 'ok');
    s.apply(d1, -1);
    s.apply(d2, -1);
    const digest = createHmac('sha256', KEY).update('ana@example.org').digest('hex').slice(0, 16);
    expect(d1.turns[0]?.text).toBe(`Write to [EMAIL:${digest}] today`);
    expect(d2.turns[0]?.text).toBe(`mail [EMAIL:${digest}]`);
  });

  it('hash: one pseudonym per value however it is spelt (spacing, case, IPv6 shortening)', () => {
    const s = stage({ policy: 'redact', strategy: 'hash' }, { LORAKIT_PII_HASH_KEY: KEY });
    const pseudonyms = (text: string) => {
      const d = draft(text, 'ok');
      s.apply(d, -1);
      return d.turns[0]?.text.match(/\[[A-Z0-9]+:[0-9a-f]{16}\]/g);
    };
    const hmac = (value: string) => createHmac('sha256', KEY).update(value).digest('hex').slice(0, 16);
    expect(pseudonyms('IBAN DE89 3704 0044 0532 0130 00 or DE89370400440532013000')).toEqual(
      Array(2).fill(`[IBAN:${hmac('DE89370400440532013000')}]`),
    );
    expect(pseudonyms('card 4111 1111 1111 1111, 4111-1111-1111-1111 or 4111111111111111')).toEqual(Array(3).fill(`[CARD:${hmac('4111111111111111')}]`));
    expect(pseudonyms('Ana.Schmidt@Example.ORG or ana.schmidt@example.org')).toEqual(Array(2).fill(`[EMAIL:${hmac('ana.schmidt@example.org')}]`));
    expect(pseudonyms('host 2606:4700:0:0:0:0:0:AB11 or 2606:4700::ab11')).toEqual(Array(2).fill(`[IPV6:${hmac('2606:4700::ab11')}]`));
    expect(pseudonyms('call +49 30 1234567, +49-30-1234567 or 0049 30 1234567')).toEqual(Array(3).fill(`[PHONE:${hmac('+49301234567')}]`));
    // The trunk prefix written in brackets is not dialled from abroad: one number, one pseudonym (before: two).
    expect(pseudonyms('call +49 (0)30 1234567 or +49 30 1234567')).toEqual(Array(2).fill(`[PHONE:${hmac('+49301234567')}]`));
  });

  it('hash: refuses to run without a key (an unsalted hash of an e-mail is reversible)', () => {
    expect(() => stage({ policy: 'redact', strategy: 'hash' })).toThrowError(
      expect.objectContaining({ code: 'EXPORT_CONFIG_INVALID', message: expect.stringContaining('LORAKIT_PII_HASH_KEY') }),
    );
    expect(() => stage({ policy: 'redact', strategy: 'hash', hash_key: 'short' })).toThrowError(/at least 16/);
  });

  it('reject with hash: rejects.jsonl records get the keyed pseudonym, or remove placeholders without a key', () => {
    const record = { q: TEXT };
    const pseudonym = createHmac('sha256', KEY).update('ana@example.org').digest('hex').slice(0, 16);
    // Before: the key was read under redact only, so a configured key still gave [EMAIL] here.
    expect(stage({ policy: 'reject', strategy: 'hash', hash_key: KEY }).redactRecord(record)).toEqual({ q: `Write to [EMAIL:${pseudonym}] today` });
    expect(stage({ policy: 'reject', strategy: 'hash' }).redactRecord(record)).toEqual({ q: 'Write to [EMAIL] today' });
    expect(() => stage({ policy: 'reject', strategy: 'hash', hash_key: 'short' })).toThrowError(/at least 16/);
  });

  it('partial: keeps an e-mail\'s first letter and domain, a number\'s last four', () => {
    const d = draft(TEXT, 'Card 4111 1111 1111 1111 please');
    stage({ policy: 'redact', strategy: 'partial' }).apply(d, -1);
    expect(d.turns[0]?.text).toBe('Write to a***@example.org today');
    expect(d.turns[1]?.text).toBe('Card **** **** **** 1111 please');
  });

  it('partial: never keeps more than half of a short value', () => {
    const d = draft('ip 8.8.8.8 or 1.1.1.1', 'v6 2606:4700::1111');
    stage({ policy: 'redact', strategy: 'partial' }).apply(d, -1);
    expect(d.turns[0]?.text).toBe('ip *.*.8.8 or *.*.1.1');
    expect(d.turns[1]?.text).toBe('v6 ****:****::1111');
  });

  it('flag: counts without changing the text; fields limit where it looks', () => {
    const d = draft(TEXT, 'reply to bob@example.com');
    const found = stage({ policy: 'flag', fields: ['response'] }).apply(d, -1);
    expect(found.count).toBe(1);
    expect(d.turns[0]?.text).toBe(TEXT);
    expect(d.turns[1]?.text).toBe('reply to bob@example.com');
  });

  it('types: acts only on the listed PII types', () => {
    const d = draft(`${TEXT}, card 4111 1111 1111 1111`, 'ok');
    stage({ policy: 'redact', strategy: 'remove', types: ['card'] }).apply(d, -1);
    expect(d.turns[0]?.text).toBe('Write to ana@example.org today, card [CARD]');
  });

  it('metadata: scans strings inside objects and arrays, keeping other values and types', () => {
    const d = draft('q', 'a');
    const meta = { owner: 'carol@example.net', list: [1, 'bob@example.com', { deep: 'x ana@example.org' }], ok: false };
    d.metadata = { meta };
    const found = stage({ policy: 'redact', strategy: 'remove', fields: ['metadata'] }).apply(d, -1);
    expect(found).toEqual({ count: 3, types: ['email'] });
    expect(d.metadata).toEqual({ meta: { owner: '[EMAIL]', list: [1, '[EMAIL]', { deep: 'x [EMAIL]' }], ok: false } });
    expect(meta.owner).toBe('carol@example.net');
  });
});
