import type { ExportConfig } from '../export-config.js';
import { isBlank } from './text.js';

/** Why a sample was filtered out. */
export interface FilterFailure {
  code: 'empty_response' | 'too_short' | 'too_long' | 'toxic';
  message: string;
}

function escapeRegExp(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Length, emptiness and keyword filters on the formatted sample (lengths in characters, not bytes). */
export class QualityFilter {
  private readonly min: number;
  private readonly max: number | undefined;
  private readonly rejectEmpty: boolean;
  private readonly toxic: RegExp | undefined;
  private readonly toxicPrompt: boolean;
  private readonly toxicResponse: boolean;

  constructor(config: ExportConfig) {
    const q = config.quality;
    this.min = q.min_text_length;
    this.max = q.max_text_length;
    this.rejectEmpty = q.reject_empty;
    const words = q.toxicity.enabled ? q.toxicity.words : [];
    // Whole words in any script: \b is ASCII-only even with the u flag, so letters/digits are checked explicitly.
    this.toxic =
      words.length > 0
        ? new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'iu')
        : undefined;
    this.toxicPrompt = q.toxicity.fields.includes('prompt');
    this.toxicResponse = q.toxicity.fields.includes('response');
  }

  /** Whether `check` looks at the prompt (only the keyword list does), so callers can skip building it. */
  get needsPrompt(): boolean {
    return this.toxic !== undefined && this.toxicPrompt;
  }

  /** The failure of a sample whose response is `responseChars` characters long, or undefined when it passes. */
  check(prompt: string, response: string, responseChars: number): FilterFailure | undefined {
    if (isBlank(response)) {
      if (this.rejectEmpty) return { code: 'empty_response', message: 'the response is empty' };
    }
    const n = responseChars;
    if (n < this.min) {
      return { code: 'too_short', message: `the response has ${n} characters, below min_text_length ${this.min}` };
    }
    if (this.max !== undefined && n > this.max) {
      return { code: 'too_long', message: `the response has ${n} characters, above max_text_length ${this.max}` };
    }
    if (this.toxic) {
      const hit = (this.toxicResponse && this.toxic.exec(response)) || (this.toxicPrompt && this.toxic.exec(prompt));
      if (hit) return { code: 'toxic', message: `contains the listed word "${hit[0]}"` };
    }
    return undefined;
  }
}
