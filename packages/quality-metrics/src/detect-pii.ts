import { createRequire } from 'node:module';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { CountryCode } from 'libphonenumber-js';
import type * as PhoneCore from 'libphonenumber-js/core';
import type * as PhoneMax from 'libphonenumber-js/max';
import { QualityMetricsError } from './errors.js';

/** Kinds of personal data {@link detectPii} finds. Names and postal addresses are not covered. */
export type PiiType = 'email' | 'phone' | 'iban' | 'card' | 'ipv4' | 'ipv6';

/** One detected span: UTF-16 offsets into the input, `value` = `text.slice(start, end)`. */
export interface PiiSpan {
  type: PiiType;
  start: number;
  end: number;
  value: string;
}

// All regexes are compiled once here; detectPii runs per record.

// The spaces people group numbers with: a space, and the no-break spaces word processors and PDFs put there (as the
// inside of a character class, for the patterns below to add their own separators to).
const SPACES = String.raw` \u00a0\u202f`;
const SP = `[${SPACES}]`;
// Spaces or dashes between the groups of a card number or an IBAN, removed before their checksums.
const GROUP_SEP = `[${SPACES}-]`;
const GROUP_SEPARATORS_RE = new RegExp(GROUP_SEP, 'g');
// Letters, marks and digits of scripts written with spaces between words. The scripts written without (Chinese,
// Japanese, Korean, Thai, ...) glue words to an address or a number, so their letters end one
// ("请联系ana@example.com获取更多信息").
const SPACELESS = String.raw`\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}`;
const WORD_LETTER = String.raw`(?![${SPACELESS}])[\p{L}\p{M}\p{N}]`;
// An e-mail address in any script (`jürgen.müller@example.de`, `max@beispiel.münchen`), starting where its word
// starts: a match may not begin inside a run of address characters, so a long token is scanned once (the old
// pattern tried every position of it: a 128 KB hex string beside an '@' took 8.5 s), and no letters of the local
// part are left before a placeholder (`jürgen.mü[EMAIL]`). An apostrophe may be inside the local part
// (`o'brien@…`), not around it (`'ana@…'`). A hyphen may follow it (`die info@firma.de-Adresse`).
const EMAIL_LABEL = String.raw`${WORD_LETTER}(?:(?:${WORD_LETTER}|-)*${WORD_LETTER})?`;
const EMAIL_RE = new RegExp(
  String.raw`(?<!${WORD_LETTER}|[._%+-]|${WORD_LETTER}')${WORD_LETTER}(?:(?:${WORD_LETTER}|[._%+-]|'(?=${WORD_LETTER}))*(?:${WORD_LETTER}|[_%+-]))?@${EMAIL_LABEL}(?:\.${EMAIL_LABEL})*\.(?:(?![${SPACELESS}])\p{L}){2,24}(?!${WORD_LETTER})`,
  'gu',
);
// `icon@2x.png` names an image, not a mailbox: no top-level domain is a file type.
const FILE_NAME_RE = /\.(?:png|jpe?g|gif|svg|webp|bmp|ico|tiff?|avif|heic)$/i;
// Groups of four joined by spaces or dashes (`DE89-3704-0044-…`), or none; the mod-97 check keeps out the rest.
const IBAN_BODY = String.raw`[A-Z]{2}\d{2}(?:${GROUP_SEP}?[A-Z0-9]{4}){2,7}(?:${GROUP_SEP}?[A-Z0-9]{1,4})?`;
const IBAN_RE = new RegExp(String.raw`(?<![\w-])${IBAN_BODY}(?![\w]|-\w)`, 'g');
const IBAN_WHOLE_RE = new RegExp(`^${IBAN_BODY}$`);
// A card number is a whole token: 13-19 digits in one run, or a first group of 4 digits and 2-4 more groups of 2-6
// digits joined by one kind of separator ("4111 1111 1111 1111", "3782-822463-10005"). Not glued to a letter, digit,
// '_' or '-' (digits inside a hex hash or an identifier are not a card), and not part of a longer number: not next
// to a decimal point and a digit ("0.4111111111111111" is a fraction, and random fractions pass the Luhn check one
// time in ten), and a space-grouped number not next to a space and another digit group, unless that is an expiry
// date ("4111 1111 1111 1111 12/25"). Only the point: a comma between digits is as often a CSV separator
// ("7,4111111111111111") as a decimal comma. Every quantifier is bounded and a group ends where its digits do, so a
// match attempt costs a bounded number of steps (linear time).
const CARD_RE = new RegExp(
  String.raw`(?<![\w-]|\d\.)(?:\d{13,19}|\d{4}(?:-\d{2,6}){2,4}|(?<!\d${SP})\d{4}(?:${SP}\d{2,6}(?![\d/])){2,4}(?!${SP}(?!\d{1,2}\/\d{2,4}(?!\d))\d))(?![\w-]|\.\d)`,
  'g',
);
// CARD_RE sees ASCII only (a /u regex would be slower on every record); valid() checks a non-ASCII neighbour: a
// letter, mark or digit glues, except letters of scripts written without spaces or with particles attached to
// numbers (Chinese, Japanese, Korean, Thai, ...), where "卡号4111111111111111" and "4111111111111111입니다" are cards.
const GLUE_BEFORE_RE = new RegExp(`${WORD_LETTER}$`, 'u');
const GLUE_AFTER_RE = new RegExp(`^${WORD_LETTER}`, 'u');
// An IPv4 address is a whole token: four dotted numbers not glued to a letter, digit or dot before (`v1.2.3.4`,
// `x.1.2.3.4` of an OID), nor to a letter, digit or a further dotted number after; a sentence's full stop may follow
// ("the server is 8.8.8.8."). A version pin (`torch==2.1.0.1`) is no address, and neither are numbers a version or
// section word names (VERSIONED_RE) nor an amount (`2.125.100.200 EUR`).
const IPV4_RE =
  /(?<![\w.]|[=<>~!]=)(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?!\w|\.\d|-[A-Za-z])/g;
// The words before a dotted number that make it a version or the number of a section, in English and German: an
// export that redacts addresses must not turn "version 1.2.3.4" or "Abschnitt 3.2.1.4" into a placeholder. German
// compounds end in some of them ("Unterabschnitt"). Not "Nr."/"Nummer": "IP-Nr." and "IP-Nummer" name addresses.
const VERSIONED_RE =
  /(?:\b(?:version|versions|ver|release|build|rev|revision|section|sections|sect|chapter|art|article|para|paragraph|abs|anlage|anhang|table|tabelle|abb|fig|figure|punkt|rn|tz)\.?|(?:abschnitt|kapitel|ziffer)\.?|§§?)\s*$/i;
const CURRENCY_AFTER_RE = /^\s?(?:(?:EUR|USD|CHF|GBP|Euro)\b|[€£])/;
// Only dotted numbers in thousands (groups of three after the first) can be an amount: "8.8.8.8 EUR" is an address.
const AMOUNT_GROUPS_RE = /^\d{1,3}(?:\.\d{3}){3}$/;
const IPV6_RE = /(?<![0-9A-Fa-f:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Za-z:])/g;
// Phone numbers need a sign of being one: an international prefix (+ or 00), a parenthesised area code, or the
// North American 3-3-4 grouping. Bare digit runs are left alone (they are mostly ids, amounts and dates), and so is
// an unseparated run after 00 (`Rechnungsnummer 0012345678`). A year in parentheses is no area code: "(2011) 211.000
// Einwohner" is a census and a population, and a bracketed number of two digits is an area code only after a
// trunk 0 ("(12) 345 678" in a table is no phone number, "(030) …" is). After a bracketed area code, either two
// groups of 3-4 digits or three or four of 2-3 ("(030) 123 456 78"), so a number that follows is not taken in
// ("(030) 1234567 10-18 Uhr"). Not the digits of a decimal or an amount: no 00 after a digit and a point or comma
// (`0.0012345`), no point and digit or slash and digit after ("24/7" after a number is no part of it), and see
// AMOUNT_RE. An extension (`-0`) belongs to the number.
const PHONE_SEP = `[${SPACES}.-]`;
const PHONE_BODY = String.raw`(?:\+|(?<!\d[.,])00)[1-9]\d{0,2}${PHONE_SEP}?(?:\(\d{1,4}\)${PHONE_SEP}?)?\d{1,4}(?:${PHONE_SEP}?\d{2,4}){1,4}(?:-\d{1,4})?|\((?!(?:19|20)\d\d\))(?:0\d|\d{3})\d{0,2}\)${PHONE_SEP}?(?:\d{2,3}(?:${PHONE_SEP}\d{2,3}){2,3}|\d{3,4}${PHONE_SEP}?\d{3,4})|\d{3}[.-]\d{3}[.-]\d{4}`;
const PHONE_RE = new RegExp(String.raw`(?<![\w+])(?:${PHONE_BODY})(?![\w]|[./]\d)`, 'g');
const PHONE_WHOLE_RE = new RegExp(`^(?:${PHONE_BODY})$`);
// A signed decimal (`+3.14159265`, `+52.520008`) or an amount in thousands (`+1.234.567`), not a phone number.
const AMOUNT_RE = /^[+-]?\d+[.,]\d+$|^[+-]?\d{1,3}(?:[.,]\d{3})+$/;
const PHONE_GROUPED_RE = new RegExp(String.raw`[${SPACES}.\-()/]`);

const DIGIT_RE = /\d/;

const PRIVATE_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
// Only global unicast (2000::/3) is public; its documentation prefix is not.
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet('2000::', 3, 'ipv6');
const DOC_V6 = new BlockList();
DOC_V6.addSubnet('2001:db8::', 32, 'ipv6');

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Whether a card number's leading digits are a payment card issuer's (IIN ranges of Visa, Mastercard, Amex, Diners,
 * Discover, JCB, UnionPay, Maestro and other 6x cards) and its length fits the scheme: Visa 13, 16 or 19 digits,
 * Mastercard 16, Amex 15, Diners 14-19, JCB 16-19, Maestro 50/56-58 and 6x 13-19. `digits` is 13-19 ASCII digits.
 */
function cardIssuerValid(digits: string): boolean {
  const n = digits.length;
  const two = (digits.charCodeAt(0) - 48) * 10 + (digits.charCodeAt(1) - 48);
  switch (digits.charCodeAt(0) - 48) {
    case 2: {
      const four = two * 100 + (digits.charCodeAt(2) - 48) * 10 + (digits.charCodeAt(3) - 48);
      return four >= 2221 && four <= 2720 && n === 16; // Mastercard 2-series
    }
    case 3: {
      if (two === 34 || two === 37) return n === 15; // Amex
      if (two === 36 || two === 38 || two === 39) return n >= 14; // Diners
      const three = two * 10 + (digits.charCodeAt(2) - 48);
      if (three >= 300 && three <= 305) return n >= 14; // Diners
      const four = three * 10 + (digits.charCodeAt(3) - 48);
      return four >= 3528 && four <= 3589 && n >= 16; // JCB
    }
    case 4:
      return n === 13 || n === 16 || n === 19; // Visa
    case 5:
      if (two >= 51 && two <= 55) return n === 16; // Mastercard
      return two === 50 || (two >= 56 && two <= 58); // Maestro
    case 6:
      return true; // Discover, UnionPay, Maestro and other 6x cards
    default:
      return false;
  }
}

/** ISO 13616 mod-97 check of an IBAN without spaces (upper-case letters and digits). */
export function ibanValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

function isPublicIpv4(address: string): boolean {
  return isIPv4(address) && !PRIVATE_V4.check(address, 'ipv4');
}

function isPublicIpv6(address: string): boolean {
  return isIPv6(address) && GLOBAL_V6.check(address, 'ipv6') && !DOC_V6.check(address, 'ipv6');
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

interface PhoneLib {
  findPhoneNumbersInText: typeof PhoneMax.findPhoneNumbersInText;
  isSupportedCountry: typeof PhoneMax.isSupportedCountry;
  /** The national (trunk) prefix of a country's numbering plan: `0` in DE, `1` in US, none in IT. */
  nationalPrefix(region: string): string | undefined;
}
let phoneLib: PhoneLib | undefined;
// libphonenumber-js with its full metadata (each country's numbering plan, ~150 KB): loaded on first use, so only
// a caller that names phone regions pays the ~25 ms.
function loadPhoneLib(): PhoneLib {
  if (phoneLib === undefined) {
    const require = createRequire(import.meta.url);
    const lib = require('libphonenumber-js/max') as typeof PhoneMax;
    const { Metadata } = require('libphonenumber-js/core') as typeof PhoneCore;
    const metadata = new Metadata(require('libphonenumber-js/metadata.max.json') as PhoneCore.MetadataJson);
    const prefixes = new Map<string, string | undefined>();
    phoneLib = {
      findPhoneNumbersInText: lib.findPhoneNumbersInText,
      isSupportedCountry: lib.isSupportedCountry,
      nationalPrefix(region) {
        if (!prefixes.has(region)) {
          metadata.selectNumberingPlan(region as CountryCode);
          const prefix = (metadata.numberingPlan as unknown as { nationalPrefix(): string | undefined } | undefined)?.nationalPrefix();
          prefixes.set(region, typeof prefix === 'string' && prefix !== '' ? prefix : undefined);
        }
        return prefixes.get(region);
      },
    };
  }
  return phoneLib;
}

/** Options of {@link detectPii}. */
export interface DetectPiiOptions {
  /**
   * Countries (ISO 3166-1 alpha-2: `DE`, `AT`, `GB`, …) whose national phone numbers to find as well (`030 12345678`,
   * `0171 1234567`, `020 7946 0958`), each checked against that country's numbering plan (libphonenumber-js).
   * Without, a phone number needs an international prefix, a bracketed area code or the NANP 3-3-4 form.
   */
  phoneRegions?: readonly string[];
}

/**
 * Phone regions as {@link DetectPiiOptions.phoneRegions} takes them: upper case, each one libphonenumber-js knows.
 *
 * @throws QualityMetricsError `METRICS_INVALID_OPTIONS` naming a region that is none (`"DEU"`, `"Germany"`).
 */
export function phoneRegions(regions: readonly string[]): string[] {
  if (!Array.isArray(regions)) {
    throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `phone regions must be an array of country codes such as ["DE", "AT"], got ${JSON.stringify(regions)}`);
  }
  const out = new Set<string>();
  for (const region of regions) {
    const code = typeof region === 'string' ? region.trim().toUpperCase() : '';
    const lib = loadPhoneLib();
    if (!/^[A-Z]{2}$/.test(code) || !lib.isSupportedCountry(code)) {
      const hint = code === 'UK' ? ': the United Kingdom is "GB"' : ' (ISO 3166-1 alpha-2, such as "DE" or "GB")';
      throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `phone region ${JSON.stringify(region)} is not a country code with a phone numbering plan${hint}`);
    }
    // Only numbers led by a trunk 0 (or 06 in HU) are told from other digits (see collectNational): a region without
    // one would add nothing and silence the advice to name the data's countries.
    const prefix = lib.nationalPrefix(code);
    if (prefix === undefined || !prefix.startsWith('0')) {
      const why =
        prefix === '1'
          ? 'its numbers are found without a region when written with +1, in brackets ((212) 555-1234) or as 3-3-4 (212-555-1234)'
          : `its national numbers have ${prefix === undefined ? 'no trunk prefix' : `the trunk prefix ${prefix}`}, so they cannot be told from other digits; numbers written with + or 00 are found without a region`;
      throw new QualityMetricsError('METRICS_INVALID_OPTIONS', `phone region "${code}" is not supported: ${why}. Supported are countries whose national numbers begin with a trunk 0 (DE, AT, CH, GB, FR, NL, HU, ...)`);
    }
    out.add(code);
  }
  return [...out];
}

// Callers pass the same regions for every text: each list is checked once.
const checked = new Map<string, string[]>();
function checkedRegions(regions: readonly string[]): string[] {
  if (!Array.isArray(regions)) return phoneRegions(regions);
  const key = JSON.stringify(regions);
  let out = checked.get(key);
  if (out === undefined) {
    out = phoneRegions(regions);
    if (checked.size < 64) checked.set(key, out);
  }
  return out;
}

// Numbers written with thousands separators are amounts and counts ("211.000 Einwohner", "2.125.100 EUR"), which a
// national numbering plan may allow as a phone number.
const THOUSANDS_RE = new RegExp(String.raw`^[1-9]\d{0,2}(?:[.,${SPACES}]\d{3})+$`);

const INTERNATIONAL_RE = /^\(?(?:\+|00)/;
const WORD_CHAR_RE = /[\p{L}\p{N}_]/u;
// Stretches of text that may hold a phone number written nationally (a trunk 0 first) or internationally: digits
// with the separators people write in numbers, never a comma or semicolon (a list of numbers is several numbers),
// nor the "24/7" or "8/5" of opening hours after a number.
// Only these go to libphonenumber-js, whose own scan of whole texts took a comma and the next number's area code
// into a number ("0171 2345678, 0172") and cost ~10x the other detectors on every text with digits.
const CANDIDATE_RE = new RegExp(
  String.raw`(?<![\w+,]|\d\.)\(?(?:\+|0)(?:(?!${SP}\d{1,2}\/\d{1,2}(?!\d))[\d${SPACES}/().\-–]){5,40}\d`,
  'g',
);
// A nationally written number groups its digits ("030 12345678", "030/1234567-89", "(0221) 123456"): a run of
// digits alone is as often an id ("Kontonummer 0123456789", "Art.-Nr. 04711234").
const GROUPED_NATIONAL_RE = new RegExp(String.raw`^\(?0\d*[${SPACES}/()\-–.]+\d`);
const DIGIT_GROUPS_RE = /\d+/g;
const DECIMAL_BEFORE_RE = /\d[.,]$/;
// The word just before a nationally written number that names it an id: a compound of "-nummer", "-number" or
// "-nr." ("Bestellnummer 012-345-678", "Art.-Nr. 04711 234") or an id abbreviation ("Az.", "Gz.", "PZN"), unless
// it names a phone ("Tel.-Nr.", "Rückrufnummer", "Telefonnummer"). Only that word: names ("Bruno"), "Kundendienst"
// or "Account manager:" before a number name no id, and a word further back may belong to another sentence.
const ID_WORD_RE = /^(?:[\p{L}.-]*\p{L}\.?-?(?:nummer|number|nr\.?)|art\.?|artikel|katalog\p{L}*|id|isbn|pzn|az\.?|gz\.?)$/iu;
const PHONE_WORD_RE =
  /^\W*(?:tel|fax|handy|mobil|phone|durchwahl|hotline|call|service|gratis|notruf|notfall|kontakt|zentrale|rückruf|ruf)|(?:rückruf|notruf|tel|fax|handy|mobil)(?:nummer|-?nr\.?)$/iu;
// Dates and times ("05.10.2025", "05. 10. 2025", "05-10-2025", "09.30 - 12.00"), which a plan may take for numbers;
// not the French form of five pairs ("01.42.68.53.00"). Times without a separator ("0930-1200") look like a number
// with a four-digit subscriber ("0711-1234") and are left to it.
const DATE_LIKE_RE = /^0\d([.\-/]) ?\d{1,2}\1 ?(?:\d{2}|\d{4})$|^0\d[.:]\d{2}(?:\s*[-–]\s*\d{1,2}[.:]\d{2})?$/;
const ISBN_BEFORE_RE = /\bISBN(?:-1[03])?:?\s*$/i;

/** Whether `text.slice(start, end)` is part of a longer token: glued to a letter or digit, or hyphened to one (a UUID). */
function insideToken(text: string, start: number, end: number): boolean {
  const before = text[start - 1] ?? ' ';
  const after = text[end] ?? ' ';
  return (
    WORD_CHAR_RE.test(before) ||
    WORD_CHAR_RE.test(after) ||
    (before === '-' && WORD_CHAR_RE.test(text[start - 2] ?? ' ')) ||
    (after === '-' && WORD_CHAR_RE.test(text[end + 1] ?? ' '))
  );
}

/**
 * `value` cut after the last digit of `nationalNumber`: libphonenumber-js's span may run on over what follows a
 * number ("+49 30 12345678 24/7", "(030) 78863511 10-12").
 */
function cutToNumber(value: string, nationalNumber: string): string {
  let digits = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    digits += value[i];
    if (digits.length >= nationalNumber.length && digits.endsWith(nationalNumber)) return value.slice(0, i + 1);
  }
  return value;
}

/**
 * Whether a number libphonenumber-js found valid at `start` of `text` is one in this text. Written nationally, it
 * must start with the country's trunk prefix (`030 …` in DE, `(0221) …`; the plans alone took years, year ranges
 * "1810–1887", model numbers "747-300", parts of UUIDs and amounts of German prose for numbers: 201 on
 * InstructGermanDPR, which holds none), group its digits, its second group may not start with 0 (rows of a table:
 * "0123 0456 0789"), it may not be a date or time ("05.10.2025", "09.30") or a decimal ("0.45"), and the word just
 * before it may not name an id ("Bestellnummer"). No number may be a decimal ("0.8097520", "0.0123456" after "0."),
 * an amount, part of a longer token, an ISBN, nor have fewer than 7 digits.
 */
function nationalValid(value: string, text: string, start: number, prefix: string | undefined): boolean {
  if (!INTERNATIONAL_RE.test(value)) {
    if (prefix === undefined || !value.replace(/^\(/, '').startsWith(prefix) || !GROUPED_NATIONAL_RE.test(value)) return false;
    // The subscriber number after the area code starts with no 0; a later group may ("020 7946 0958").
    if ((value.match(DIGIT_GROUPS_RE) ?? [])[1]?.startsWith('0') === true) return false;
    if (DATE_LIKE_RE.test(value)) return false;
    if (/^\(?0[.,]/.test(value)) return false;
    const word = /\S*$/.exec(text.slice(Math.max(0, start - 40), start).trimEnd())?.[0].replace(/[:#]+$/, '') ?? '';
    if (ID_WORD_RE.test(word) && !PHONE_WORD_RE.test(word)) return false;
  }
  const before = text.slice(Math.max(0, start - 12), start);
  return (
    !THOUSANDS_RE.test(value) &&
    !DECIMAL_BEFORE_RE.test(before) &&
    !ISBN_BEFORE_RE.test(before) &&
    valid('phone', value, text, start)
  );
}

/** Phone numbers of `regions` in `text` that libphonenumber-js finds valid and {@link nationalValid} takes. */
function collectNational(text: string, regions: readonly string[], out: PiiSpan[]): void {
  const lib = loadPhoneLib();
  CANDIDATE_RE.lastIndex = 0;
  let c: RegExpExecArray | null;
  while ((c = CANDIDATE_RE.exec(text)) !== null) {
    const candidate = c[0];
    for (const region of regions) {
      const prefix = lib.nationalPrefix(region);
      for (const m of lib.findPhoneNumbersInText(candidate, { defaultCountry: region as CountryCode })) {
        const start = c.index + m.startsAt;
        const raw = candidate.slice(m.startsAt, m.endsAt);
        const value = m.number.ext === undefined ? cutToNumber(raw, m.number.nationalNumber) : raw;
        if (nationalValid(value, text, start, prefix)) out.push({ type: 'phone', start, end: start + value.length, value });
      }
    }
  }
}

/** Whether a non-ASCII character that glues (see GLUE_BEFORE_RE) touches `text.slice(start, end)`. */
function gluedToNonAsciiWord(text: string, start: number, end: number): boolean {
  // Two code units: the neighbour may be a surrogate pair.
  return (
    (start > 0 && text.charCodeAt(start - 1) > 127 && GLUE_BEFORE_RE.test(text.slice(Math.max(0, start - 2), start))) ||
    (end < text.length && text.charCodeAt(end) > 127 && GLUE_AFTER_RE.test(text.slice(end, end + 2)))
  );
}

/** Whether `value`, found by the detector of `type` at `start` of `text`, is one. */
function valid(type: PiiType, value: string, text: string, start: number): boolean {
  switch (type) {
    case 'email':
      return !FILE_NAME_RE.test(value);
    case 'iban':
      return ibanValid(value.replace(GROUP_SEPARATORS_RE, ''));
    case 'card': {
      const digits = value.replace(GROUP_SEPARATORS_RE, '');
      return (
        digits.length >= 13 &&
        digits.length <= 19 &&
        cardIssuerValid(digits) &&
        luhnValid(digits) &&
        !gluedToNonAsciiWord(text, start, start + value.length)
      );
    }
    case 'ipv4': {
      const end = start + value.length;
      return (
        isPublicIpv4(value) &&
        !VERSIONED_RE.test(text.slice(Math.max(0, start - 16), start)) &&
        !(AMOUNT_GROUPS_RE.test(value) && CURRENCY_AFTER_RE.test(text.slice(end, end + 6)))
      );
    }
    case 'ipv6':
      return isPublicIpv6(value);
    case 'phone': {
      const n = digitCount(value);
      return (
        n >= 7 &&
        n <= 15 &&
        (!value.startsWith('00') || PHONE_GROUPED_RE.test(value)) &&
        !AMOUNT_RE.test(value) &&
        !insideToken(text, start, start + value.length)
      );
    }
  }
}

/** The pattern a shortened phone number or IBAN must still match whole. */
const WHOLE: Partial<Record<PiiType, RegExp>> = { phone: PHONE_WHOLE_RE, iban: IBAN_WHOLE_RE };

/**
 * The longest valid start of a match that failed its check, cut at a space: a regex takes in what follows a phone
 * number or an IBAN when it looks like more of it ("+49 30 12345678 10-12 Uhr", "AT61 1904 3002 3457 3201 BIC"),
 * and the whole fails (too many digits, mod 97) although its start is one.
 */
function validStart(type: PiiType, value: string, text: string, start: number): string | undefined {
  const whole = WHOLE[type];
  // Grouped digits after 00 are as often a long id ("Kundennummer 0012 3456 7890 1234"): only a number with a plus or
  // a bracketed area code is worth cutting down.
  if (whole === undefined || (type === 'phone' && value.startsWith('00'))) return undefined;
  for (let cut = value.length - 1; cut > 0; cut--) {
    const c = value.charCodeAt(cut);
    if (c !== 0x20 && c !== 0xa0 && c !== 0x202f) continue;
    const candidate = value.slice(0, cut);
    if (whole.test(candidate) && valid(type, candidate, text, start)) return candidate;
  }
  return undefined;
}

function collect(re: RegExp, type: PiiType, text: string, out: PiiSpan[]): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const start = m.index;
    const value = valid(type, m[0], text, start) ? m[0] : validStart(type, m[0], text, start);
    if (value === undefined) continue;
    out.push({ type, start, end: start + value.length, value });
    // What followed a shortened match is read again (it may hold the next number).
    re.lastIndex = start + value.length;
  }
}

// Order is priority when spans overlap: an e-mail can contain digits, an IBAN contains a digit run, and so on.
const DETECTORS: readonly [RegExp, PiiType][] = [
  [EMAIL_RE, 'email'],
  [IBAN_RE, 'iban'],
  [CARD_RE, 'card'],
  [IPV6_RE, 'ipv6'],
  [IPV4_RE, 'ipv4'],
  [PHONE_RE, 'phone'],
];

/**
 * Finds e-mail addresses, phone numbers, IBANs (mod-97 checked), payment card numbers (whole tokens with a card
 * issuer's leading digits and length, Luhn checked) and public IPv4/IPv6 addresses in `text`. Spans are sorted and
 * never overlap (on overlap the earlier detector in the list above wins). Offsets are UTF-16 indices, so `text.slice(start, end) === value` and redaction is a splice.
 * Names and postal addresses are not detected.
 *
 * @example
 * detectPii('mail ana@example.org or call +44 20 7946 0958');
 * // [{ type: 'email', start: 5, end: 20, value: 'ana@example.org' }, { type: 'phone', start: 29, end: 45, ... }]
 */
export function detectPii(text: string, options: DetectPiiOptions = {}): PiiSpan[] {
  const regions = options.phoneRegions !== undefined && options.phoneRegions.length > 0 ? checkedRegions(options.phoneRegions) : undefined;
  // Cheap pre-checks skip whole detectors on text that cannot match (most records contain no '@' or ':').
  const hasAt = text.includes('@');
  const hasColon = text.includes(':');
  const hasDigit = DIGIT_RE.test(text);
  let kept: PiiSpan[] = [];
  const batch: PiiSpan[] = [];
  if (hasAt) collect(EMAIL_RE, 'email', text, batch);
  kept = keepApart(kept, batch);
  if (!hasDigit) return kept;
  for (let i = 1; i < DETECTORS.length; i++) {
    const [re, type] = DETECTORS[i]!;
    if (type === 'ipv6' && !hasColon) continue;
    collect(re, type, text, batch);
    kept = keepApart(kept, batch);
    // After the pattern, which wins where they overlap: it had "+43 1 0221600" whole, the plan only "0221600".
    if (type === 'phone' && regions !== undefined) {
      collectNational(text, regions, batch);
      kept = keepApart(kept, batch);
    }
  }
  return kept;
}

/**
 * `kept` (sorted, none overlapping) with the spans of `batch` that overlap none of it nor an earlier span of the
 * batch, in one merge: the detectors run in priority order, so what was kept first wins. `batch` is emptied. (A
 * check of every span against every kept one took 10 s for a megabyte of addresses.)
 */
function keepApart(kept: PiiSpan[], batch: PiiSpan[]): PiiSpan[] {
  if (batch.length === 0) return kept;
  batch.sort((a, b) => a.start - b.start);
  const out: PiiSpan[] = [];
  let i = 0;
  let lastEnd = -1;
  for (const span of batch) {
    while (i < kept.length && kept[i]!.end <= span.start) out.push(kept[i++]!);
    if ((i < kept.length && kept[i]!.start < span.end) || span.start < lastEnd) continue;
    out.push(span);
    lastEnd = span.end;
  }
  while (i < kept.length) out.push(kept[i++]!);
  batch.length = 0;
  return out;
}
