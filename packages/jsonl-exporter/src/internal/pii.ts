import { createHmac } from 'node:crypto';
import { detectPii, type DetectPiiOptions, type PiiSpan } from '@lorakit/quality-metrics';
import type { ExportConfig } from '../export-config.js';
import { ExportError } from '../errors.js';
import type { Draft, Turn } from './draft.js';
import { mapLeaves } from './text.js';

const MIN_HASH_KEY_LENGTH = 16;

/** What the PII stage found in one sample. */
export interface PiiOutcome {
  /** Number of spans acted on. */
  count: number;
  /** Distinct types found, sorted. */
  types: string[];
}

/** Detects PII in the configured parts of a draft and redacts it in place when the policy says so. */
export class PiiStage {
  private readonly policy: ExportConfig['pii']['policy'];
  private readonly strategy: ExportConfig['pii']['strategy'];
  private readonly types: Set<string> | undefined;
  private readonly system: boolean;
  private readonly prompt: boolean;
  private readonly response: boolean;
  private readonly metadata: boolean;
  private readonly key: string | undefined;
  private readonly detectOptions: DetectPiiOptions;
  private found: Set<string> = new Set();
  private count = 0;

  constructor(config: ExportConfig, env: NodeJS.ProcessEnv) {
    const pii = config.pii;
    this.policy = pii.policy;
    this.strategy = pii.strategy;
    this.types = pii.types.length > 0 ? new Set(pii.types) : undefined;
    this.system = pii.fields.includes('system');
    this.prompt = pii.fields.includes('prompt');
    this.response = pii.fields.includes('response');
    this.metadata = pii.fields.includes('metadata');
    this.detectOptions = pii.phone_regions.length > 0 ? { phoneRegions: pii.phone_regions } : {};
    // `reject` hashes only what rejects.jsonl keeps of a record, and without a key uses `remove` placeholders there.
    const key = pii.strategy === 'hash' ? pii.hash_key ?? env[pii.hash_key_env] : undefined;
    if (pii.strategy === 'hash' && (pii.policy === 'redact' || (pii.policy === 'reject' && key))) {
      // An unsalted hash of an e-mail address or phone number is reversible by enumeration: refuse it.
      if (!key || key.length < MIN_HASH_KEY_LENGTH) {
        throw new ExportError(
          'EXPORT_CONFIG_INVALID',
          `pii.strategy "hash" needs an HMAC key of at least ${MIN_HASH_KEY_LENGTH} characters in pii.hash_key or ` +
            `the environment variable ${pii.hash_key_env}; an unsalted hash of personal data can be reversed`,
          { key: pii.hash_key === undefined ? 'pii.strategy' : 'pii.hash_key' },
        );
      }
      this.key = key;
    }
  }

  /** True when the stage does anything. */
  get active(): boolean {
    return this.policy !== 'off';
  }

  /** Scan (and for `redact`, rewrite) a draft. */
  apply(draft: Draft, responseIndex: number): PiiOutcome {
    this.found = new Set();
    this.count = 0;
    if (this.system && draft.system !== undefined) draft.system = this.scan(draft.system);
    if (draft.custom) {
      for (let i = 0; i < draft.custom.length; i++) {
        const v = draft.custom[i];
        const wanted = i === responseIndex ? this.response : this.prompt;
        if (wanted) draft.custom[i] = this.scanValue(v);
      }
    }
    for (const t of draft.turns as Turn[]) {
      if (t.role === 'user' ? this.prompt : this.response) t.text = this.scan(t.text);
    }
    if (this.prompt && draft.input) draft.input = this.scan(draft.input);
    if (this.metadata && draft.metadata) {
      for (const k of Object.keys(draft.metadata)) draft.metadata[k] = this.scanValue(draft.metadata[k]);
    }
    return { count: this.count, types: [...this.found].sort() };
  }

  /**
   * Scans every string inside a JSON value (a custom key or metadata path holding an object or array), keeping every
   * other value and type. Redaction copies what it changes: the value may be shared with the source record.
   */
  private scanValue(value: unknown): unknown {
    return mapLeaves(value, (leaf) => (typeof leaf === 'string' ? this.scan(leaf) : leaf));
  }

  /**
   * A source record as rejects.jsonl copies it (`output.rejects_include_record`): under the `redact` and `reject`
   * policies every string in it is redacted, in every field, so the rejects file does not keep what the export
   * takes out (`reject` redacts with the strategy, or `remove` placeholders when that is `hash` without a key).
   * Under `off` and `flag` the record is kept as read, as the exported samples are.
   */
  redactRecord(record: Record<string, unknown>): Record<string, unknown> {
    if (this.policy !== 'redact' && this.policy !== 'reject') return record;
    const strategy = this.strategy === 'hash' && this.key === undefined ? 'remove' : this.strategy;
    return mapLeaves(record, (leaf) => (typeof leaf === 'string' ? this.rewrite(leaf, this.spansOf(leaf), strategy) : leaf)) as Record<string, unknown>;
  }

  private spansOf(text: string): PiiSpan[] {
    const spans: PiiSpan[] = detectPii(text, this.detectOptions);
    return this.types ? spans.filter((s) => this.types?.has(s.type)) : spans;
  }

  private scan(text: string): string {
    const spans = this.spansOf(text);
    if (spans.length === 0) return text;
    this.count += spans.length;
    for (const s of spans) this.found.add(s.type);
    return this.policy === 'redact' ? this.rewrite(text, spans, this.strategy) : text;
  }

  private rewrite(text: string, spans: PiiSpan[], strategy: ExportConfig['pii']['strategy']): string {
    if (spans.length === 0) return text;
    let out = '';
    let last = 0;
    for (const s of spans) {
      out += text.slice(last, s.start) + this.replacement(s, strategy);
      last = s.end;
    }
    return out + text.slice(last);
  }

  private replacement(span: PiiSpan, strategy: ExportConfig['pii']['strategy']): string {
    const label = span.type.toUpperCase();
    switch (strategy) {
      case 'mask':
        return '*'.repeat([...span.value].length);
      case 'remove':
        return `[${label}]`;
      case 'hash': {
        const digest = createHmac('sha256', this.key as string).update(canonicalValue(span)).digest('hex');
        return `[${label}:${digest.slice(0, 16)}]`;
      }
      case 'partial':
        return partial(span);
    }
  }
}

// Separators people write inside phone, card and IBAN numbers.
const SEPARATORS_RE = /[\s\-./()]/g;
const INTERNATIONAL_00_RE = /^00/;
// The national trunk prefix some write in brackets after the country code (`+49 (0)30 …`), which is not dialled.
const TRUNK_RE = /^((?:\+|00)\d{1,3}[\s.-]*)\(0\)/;

/**
 * The value a `hash` pseudonym is computed from: one spelling per value, so a record writing `DE89 3704 0044 0532
 * 0130 00` and one writing `DE89370400440532013000` get the same pseudonym and can still be linked. E-mail
 * addresses and IPv6 addresses are case-folded (IPv6 also to its shortest form), numbers lose their separators,
 * and a phone number's international prefix `00` is written `+` (and a bracketed trunk prefix `(0)` after the country
 * code dropped). National and international forms of one phone
 * number (`030 …`, `+49 30 …`) stay apart: telling they are one needs the number's country.
 */
function canonicalValue(span: PiiSpan): string {
  const v = span.value;
  switch (span.type) {
    case 'email':
      return v.toLowerCase();
    case 'ipv6':
      try {
        return new URL(`http://[${v}]/`).hostname.slice(1, -1);
      } catch {
        return v.toLowerCase();
      }
    case 'ipv4':
      return v;
    case 'phone':
      return v.replace(TRUNK_RE, '$1').replace(SEPARATORS_RE, '').replace(INTERNATIONAL_00_RE, '+');
    default:
      return v.replace(SEPARATORS_RE, '').toUpperCase();
  }
}

const ALNUM_RE = /[A-Za-z0-9]/;
const ALNUM_ALL_RE = /[A-Za-z0-9]/g;

/**
 * Keeps just enough to recognise a value: an e-mail's first letter and domain; of anything else the last four
 * letters or digits, and never more than half of them (`8.8.8.8` → `*.*.8.8`, not the whole address).
 */
function partial(span: PiiSpan): string {
  const v = span.value;
  if (span.type === 'email') {
    const at = v.lastIndexOf('@');
    return `${v[0] ?? ''}***${v.slice(at)}`;
  }
  const limit = Math.min(4, Math.floor((v.match(ALNUM_ALL_RE)?.length ?? 0) / 2));
  let keep = 0;
  let out = '';
  for (let i = v.length - 1; i >= 0; i--) {
    const c = v[i] as string;
    if (ALNUM_RE.test(c) && keep++ >= limit) out = `*${out}`;
    else out = c + out;
  }
  return out;
}
