import type { ExportConfig } from '../export-config.js';
import type { Draft } from './draft.js';
import { promptText } from './mapper.js';
import { isBlank } from './text.js';

/** Why a sample was filtered out. */
export interface FilterFailure {
  code: 'empty_response' | 'empty_turn' | 'too_short' | 'too_long' | 'toxic';
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
  /** Conversation styles: every turn must have text, not only the last response (OpenAI refuses empty content). */
  private readonly everyTurn: boolean;
  /** openai style: a message with empty content is refused even without reject_empty, as OpenAI refuses the line. */
  private readonly openai: boolean;

  constructor(config: ExportConfig) {
    const q = config.quality;
    this.min = q.min_text_length;
    this.max = q.max_text_length;
    this.rejectEmpty = q.reject_empty;
    const words = q.toxicity.enabled ? q.toxicity.words : [];
    // Whole words in any script: \b is ASCII-only even with the u flag, so letters/digits are checked explicitly.
    // Words and texts are compared in NFC: `Müll` typed on macOS is often `Mu` + a combining diaeresis (NFD).
    this.toxic =
      words.length > 0
        ? new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.map((w) => escapeRegExp(w.normalize('NFC'))).join('|')})(?![\\p{L}\\p{N}_\\p{M}])`, 'iu')
        : undefined;
    this.toxicPrompt = q.toxicity.fields.includes('prompt');
    this.toxicResponse = q.toxicity.fields.includes('response');
    this.everyTurn = config.style === 'chat' || config.style === 'sharegpt' || config.style === 'openai';
    this.openai = config.style === 'openai';
  }

  /**
   * The failure of a sample whose (last) response is `response`, `responseChars` characters long, or undefined when
   * it passes. Lengths are the last response's; emptiness (conversation styles) and the keyword list look at every
   * turn: the prompt side is the system prompt, user turns and input, the response side every assistant turn.
   */
  check(draft: Draft, responseIndex: number, response: string, responseChars: number): FilterFailure | undefined {
    if (this.rejectEmpty) {
      if (isBlank(response)) return { code: 'empty_response', message: 'the response is empty' };
      if (this.everyTurn) {
        const at = draft.turns.findIndex((t) => isBlank(t.text));
        if (at >= 0) return { code: 'empty_turn', message: `turn ${at + 1} (${draft.turns[at]?.role}) is empty` };
      }
    } else if (this.openai) {
      // OpenAI's format check counts a message without content as missing content, whatever reject_empty says.
      const at = draft.turns.findIndex((t) => t.text === '');
      if (at >= 0) {
        const why = 'OpenAI refuses a message with empty content, so the openai style does even with quality.reject_empty false';
        if (at === draft.turns.length - 1) return { code: 'empty_response', message: `the response is empty (${why})` };
        return { code: 'empty_turn', message: `turn ${at + 1} (${draft.turns[at]?.role}) is empty (${why})` };
      }
    }
    const n = responseChars;
    if (n < this.min) {
      return { code: 'too_short', message: `the response has ${n} characters, below min_text_length ${this.min}` };
    }
    if (this.max !== undefined && n > this.max) {
      return { code: 'too_long', message: `the response has ${n} characters, above max_text_length ${this.max}` };
    }
    if (this.toxic) {
      const hit = (this.toxicResponse && this.toxicHit(responseSide(draft, response))) || (this.toxicPrompt && this.toxicHit(promptSide(draft, responseIndex)));
      if (hit) return { code: 'toxic', message: `contains the listed word "${hit}"` };
    }
    return undefined;
  }

  private toxicHit(texts: string[]): string | undefined {
    for (const text of texts) {
      const m = (this.toxic as RegExp).exec(text.normalize('NFC'));
      if (m) return m[0];
    }
    return undefined;
  }
}

/** Every assistant turn (the custom style's response value alone). */
function responseSide(draft: Draft, response: string): string[] {
  if (draft.custom) return [response];
  return draft.turns.filter((t) => t.role === 'assistant').map((t) => t.text);
}

/** The system prompt, user turns and input (custom: every other key). */
function promptSide(draft: Draft, responseIndex: number): string[] {
  const prompt = promptText(draft, responseIndex);
  return draft.system ? [draft.system, prompt] : [prompt];
}
