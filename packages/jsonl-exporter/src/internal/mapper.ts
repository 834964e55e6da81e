import type { ExportConfig } from '../export-config.js';
import { getPath } from '../select/index.js';
import type { Draft, Turn } from './draft.js';
import { compileTemplate, type TemplatePart } from './template.js';
import { isBlank, isoText, toJsonValue, toText } from './text.js';

/** Why a record could not be mapped. */
export interface MapFailure {
  code: 'missing_field' | 'invalid_field' | 'missing_turn' | 'unsupported_role' | 'unsupported_content' | 'invalid_turn_order';
  message: string;
  /** The record path at fault. */
  field: string;
}

type CustomEntry = { key: string; template: TemplatePart[] | undefined; path: string | undefined };

/**
 * Every line of the export carries a top-level `system` key: instruction and sharegpt styles with a system prompt or
 * a system field configured (chat and openai put the system prompt into `messages`). The trainer configs map that
 * column then, so a record without a system gets `""` (LLaMA-Factory reads a mapped column from every line, and an
 * empty system means the template's default).
 */
export function writesSystemKey(config: ExportConfig): boolean {
  const fm = config.field_mapping;
  return (config.style === 'instruction' || config.style === 'sharegpt') && (fm.system_prompt !== undefined || fm.system_field !== undefined);
}

const USER_ROLES = new Set(['user', 'human']);
const ASSISTANT_ROLES = new Set(['assistant', 'gpt', 'model', 'bot']);
/** Tool and function-calling turns (OpenAI's tool/function roles, LLaMA-Factory's sharegpt tags): not exported. */
const TOOL_ROLES = new Set(['tool', 'function', 'function_call', 'observation', 'ipython']);
/** Separator of the text parts of one message (vLLM joins them the same way). */
const PART_SEPARATOR = '\n';

/** Turns record fields into a {@link Draft} for the configured style. Compiled once per run. */
export class Mapper {
  readonly style: ExportConfig['style'];
  private readonly fm: ExportConfig['field_mapping'];
  private readonly metadataFields: string[];
  private readonly custom: CustomEntry[];
  /**
   * chat and sharegpt: turns must alternate user/assistant from a user turn on. Their trainer config is LLaMA-Factory's
   * sharegpt loader, which silently drops any other conversation at training time.
   */
  private readonly alternate: boolean;
  /** See {@link writesSystemKey}: what a record without a system gets (`""` there; else none, not an empty message). */
  private readonly noSystem: string | undefined;
  /** Custom style: index of the entry holding the response text. */
  readonly responseIndex: number;
  /** Record paths a sample of this style cannot do without (rejected at stage select when excluded). */
  readonly requiredFields: string[];

  constructor(config: ExportConfig) {
    this.style = config.style;
    this.fm = config.field_mapping;
    this.metadataFields = config.format.metadata_fields;
    this.alternate = config.style === 'chat' || config.style === 'sharegpt';
    this.noSystem = writesSystemKey(config) ? '' : undefined;
    this.custom = Object.entries(config.format.custom).map(([key, value]) => {
      const template = compileTemplate(value);
      return { key, template, path: template ? undefined : value };
    });
    const responseKey = config.format.response_key;
    this.responseIndex = responseKey ? this.custom.findIndex((e) => e.key === responseKey) : this.custom.length - 1;
    this.requiredFields = this.computeRequired();
  }

  /** Output keys of the custom style, in order. */
  get customKeys(): string[] {
    return this.custom.map((e) => e.key);
  }

  private computeRequired(): string[] {
    const fm = this.fm;
    switch (this.style) {
      case 'instruction':
        return [fm.instruction_field, fm.output_field];
      case 'completion':
        return [fm.prompt_field, fm.completion_field];
      case 'text':
        return [fm.text_field];
      case 'custom': {
        const paths: string[] = [];
        for (const e of this.custom) {
          if (e.path !== undefined) paths.push(e.path);
          else for (const p of e.template ?? []) if ('path' in p) paths.push(p.path);
        }
        return paths;
      }
      default:
        return [];
    }
  }

  /** Map one record. Returns a failure value instead of throwing: bad records are expected. */
  map(record: Record<string, unknown>): Draft | MapFailure {
    const draft: Draft = {
      system: undefined,
      turns: [],
      input: undefined,
      custom: undefined,
      metadata: undefined,
      weight: undefined,
    };
    let failure: MapFailure | undefined;
    switch (this.style) {
      case 'instruction':
        failure = this.mapInstruction(record, draft);
        break;
      case 'completion':
        failure = this.mapPair(record, draft, this.fm.prompt_field, this.fm.completion_field);
        break;
      case 'text': {
        const text = this.requiredText(record, this.fm.text_field);
        if (typeof text !== 'string') failure = text;
        else draft.turns.push({ role: 'assistant', text });
        break;
      }
      case 'custom':
        failure = this.mapCustom(record, draft);
        break;
      default:
        failure = this.mapConversation(record, draft);
    }
    if (!failure && this.style !== 'custom') failure = this.mapSystem(record, draft);
    if (failure) return failure;
    if (this.metadataFields.length > 0 && this.style !== 'openai' && this.style !== 'custom') {
      const metadata: Record<string, unknown> = {};
      for (const path of this.metadataFields) {
        const value = getPath(record, path);
        if (value !== undefined) metadata[path] = toJsonValue(value);
      }
      draft.metadata = metadata;
    }
    return draft;
  }

  private requiredText(record: Record<string, unknown>, field: string): string | MapFailure {
    return this.optionalText(record, field) ?? { code: 'missing_field', field, message: `field "${field}" is missing` };
  }

  /** A text field that may be absent (undefined). An object or array is refused: it would be written as JSON text. */
  private optionalText(record: Record<string, unknown>, field: string): string | MapFailure | undefined {
    const value = getPath(record, field);
    if (value === undefined || value === null) return undefined;
    if (value instanceof Date) {
      return isoText(value) ?? { code: 'invalid_field', field, message: `field "${field}" is an invalid date` };
    }
    if (typeof value === 'object') {
      return { code: 'invalid_field', field, message: `field "${field}" must be text, got ${Array.isArray(value) ? 'an array' : 'an object'}` };
    }
    return toText(value) as string;
  }

  /**
   * The system prompt, in the documented order: `system_field` (when the record has a non-empty one), else
   * `system_prompt`, else a conversation's own leading system message (already in `draft.system`).
   */
  private mapSystem(record: Record<string, unknown>, draft: Draft): MapFailure | undefined {
    const field = this.fm.system_field;
    const fromRecord = field ? this.optionalText(record, field) : undefined;
    if (typeof fromRecord === 'object') return fromRecord;
    if (fromRecord !== undefined && !isBlank(fromRecord)) draft.system = fromRecord;
    // An empty system_prompt is no prompt: for instruction and sharegpt it maps LLaMA-Factory's column (every line
    // gets `""`); chat and openai write no empty system message (OpenAI counts one as missing content).
    else if (this.fm.system_prompt) draft.system = this.fm.system_prompt;
    else draft.system ??= this.noSystem;
    // A conversation's own blank system message is none either, where no column needs a value on every line.
    if (this.noSystem === undefined && draft.system !== undefined && isBlank(draft.system)) draft.system = undefined;
    return undefined;
  }

  private mapInstruction(record: Record<string, unknown>, draft: Draft): MapFailure | undefined {
    const instruction = this.requiredText(record, this.fm.instruction_field);
    if (typeof instruction !== 'string') return instruction;
    const output = this.requiredText(record, this.fm.output_field);
    if (typeof output !== 'string') return output;
    // A CSV whose question column is called `input` maps instruction_field to it; it must not repeat as the input.
    const input = this.fm.input_field === this.fm.instruction_field ? '' : this.optionalText(record, this.fm.input_field);
    if (typeof input === 'object') return input;
    draft.input = input ?? '';
    draft.turns.push({ role: 'user', text: instruction }, { role: 'assistant', text: output });
    return undefined;
  }

  private mapPair(record: Record<string, unknown>, draft: Draft, promptField: string, responseField: string) {
    const prompt = this.requiredText(record, promptField);
    if (typeof prompt !== 'string') return prompt;
    const response = this.requiredText(record, responseField);
    if (typeof response !== 'string') return response;
    draft.turns.push({ role: 'user', text: prompt }, { role: 'assistant', text: response });
    return undefined;
  }

  private mapConversation(record: Record<string, unknown>, draft: Draft): MapFailure | undefined {
    const field = this.fm.messages_field;
    const messages = getPath(record, field);
    if (messages === undefined || messages === null) {
      // No ready-made conversation: build a one-turn one from the instruction fields.
      if (getPath(record, this.fm.instruction_field) === undefined) {
        return {
          code: 'missing_field',
          field,
          message: `field "${field}" is missing (and there is no "${this.fm.instruction_field}" to build a turn from)`,
        };
      }
      const failure = this.mapInstruction(record, draft);
      if (failure) return failure;
      const input = draft.input;
      draft.input = undefined;
      if (input) (draft.turns[0] as Turn).text += `\n\n${input}`;
      return undefined;
    }
    if (!Array.isArray(messages)) {
      return { code: 'invalid_field', field, message: `field "${field}" must be an array of messages` };
    }
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as Record<string, unknown> | null;
      const where = `${field}[${i}]`;
      if (m === null || typeof m !== 'object') {
        return { code: 'invalid_field', field: where, message: `${where} must be an object with role/content or from/value` };
      }
      const role = typeof m['role'] === 'string' ? m['role'] : m['from'];
      const contentKey = m['content'] !== undefined ? 'content' : 'value';
      const content = m[contentKey];
      if (TOOL_ROLES.has(role as string) || callsTool(m)) {
        return { code: 'unsupported_role', field: where, message: `${where}: tool and function calls are not exported (no style writes them)` };
      }
      if (typeof role !== 'string' || content === undefined || content === null) {
        return { code: 'invalid_field', field: where, message: `${where} needs role and content (or from and value)` };
      }
      const text = contentText(content, `${where}.${contentKey}`);
      if (typeof text !== 'string') return text;
      let turn: Turn['role'];
      if (role === 'system') {
        if (draft.system === undefined && draft.turns.length === 0) {
          draft.system = text;
          continue;
        }
        return { code: 'unsupported_role', field: where, message: `${where}: a system message is only allowed first` };
      } else if (USER_ROLES.has(role)) turn = 'user';
      else if (ASSISTANT_ROLES.has(role)) turn = 'assistant';
      else return { code: 'unsupported_role', field: where, message: `${where}: role "${role}" is not supported` };
      if (this.alternate) {
        const expected = draft.turns.length % 2 === 0 ? 'user' : 'assistant';
        if (turn !== expected) {
          return {
            code: 'invalid_turn_order',
            field: where,
            message:
              `${where}: turn ${draft.turns.length + 1} must be ${expected}, got ${turn} (style "${this.style}" needs ` +
              'user and assistant turns alternating, starting with user, as LLaMA-Factory\'s sharegpt loader does)',
          };
        }
      }
      // null is no weight: HF datasets writes one into every message of a file where some messages have one.
      const weight = this.style === 'openai' && turn === 'assistant' ? m['weight'] : undefined;
      if (weight === undefined || weight === null) draft.turns.push({ role: turn, text });
      else if (weight === 0 || weight === 1) draft.turns.push({ role: turn, text, weight });
      else return { code: 'invalid_field', field: `${where}.weight`, message: `${where}.weight must be 0 or 1 (OpenAI's per-message weight), got ${JSON.stringify(weight)}` };
    }
    if (!draft.turns.some((t) => t.role === 'user')) {
      return { code: 'missing_turn', field, message: `field "${field}" has no user turn` };
    }
    if (draft.turns[draft.turns.length - 1]?.role !== 'assistant') {
      return { code: 'missing_turn', field, message: `field "${field}" must end with an assistant turn` };
    }
    return undefined;
  }

  private mapCustom(record: Record<string, unknown>, draft: Draft): MapFailure | undefined {
    const values: unknown[] = [];
    for (const entry of this.custom) {
      if (entry.path !== undefined) {
        const value = getPath(record, entry.path);
        if (value === undefined) {
          return { code: 'missing_field', field: entry.path, message: `field "${entry.path}" (for "${entry.key}") is missing` };
        }
        values.push(toJsonValue(value));
        continue;
      }
      let out = '';
      for (const part of entry.template ?? []) {
        if ('literal' in part) {
          out += part.literal;
          continue;
        }
        // null fills no slot either: the template would read "…\n\n" with nothing where the value belongs.
        const text = toText(getPath(record, part.path));
        if (text === undefined) {
          return { code: 'missing_field', field: part.path, message: `field "${part.path}" (for "${entry.key}") is missing or null` };
        }
        out += text;
      }
      values.push(out);
    }
    draft.custom = values;
    return undefined;
  }
}

/** An assistant message calling a tool or function (OpenAI's `tool_calls`, the older `function_call`). */
function callsTool(m: Record<string, unknown>): boolean {
  const calls = m['tool_calls'];
  return (Array.isArray(calls) ? calls.length > 0 : calls != null) || m['function_call'] != null;
}

/**
 * The text of a message's content: a string (numbers and booleans printed), or an array of `{type: "text", text}`
 * parts joined by {@link PART_SEPARATOR}. Never JSON of the content: a training sample must not learn JSON syntax.
 */
function contentText(content: unknown, where: string): string | MapFailure {
  if (!Array.isArray(content)) {
    if (typeof content === 'object' && !(content instanceof Date)) {
      return { code: 'invalid_field', field: where, message: `${where} must be text or an array of text parts, got an object` };
    }
    return toText(content) ?? { code: 'invalid_field', field: where, message: `${where} is an invalid date` };
  }
  let out = '';
  for (let j = 0; j < content.length; j++) {
    const part = content[j] as Record<string, unknown> | null;
    const at = `${where}[${j}]`;
    const type = part !== null && typeof part === 'object' ? part['type'] : undefined;
    if (typeof type !== 'string') {
      return { code: 'invalid_field', field: at, message: `${at} must be a content part with a "type"` };
    }
    if (type !== 'text') {
      return {
        code: 'unsupported_content',
        field: at,
        message: `${at}: content part type "${type}" is not supported (only text parts are exported)`,
      };
    }
    const text = (part as Record<string, unknown>)['text'];
    if (typeof text !== 'string') {
      return { code: 'invalid_field', field: at, message: `${at}: a text part needs "text" as a string` };
    }
    out += j === 0 ? text : PART_SEPARATOR + text;
  }
  return out;
}

/** The response text of a draft: last assistant turn, or the custom response key. */
export function responseText(draft: Draft, responseIndex: number): string {
  if (draft.custom) return toText(draft.custom[responseIndex]) ?? '';
  for (let i = draft.turns.length - 1; i >= 0; i--) {
    const t = draft.turns[i] as Turn;
    if (t.role === 'assistant') return t.text;
  }
  return '';
}

/** The prompt text of a draft: user turns and input (custom: every key but the response), newline-joined. */
export function promptText(draft: Draft, responseIndex: number): string {
  if (draft.custom) {
    let out = '';
    for (let i = 0; i < draft.custom.length; i++) {
      if (i === responseIndex) continue;
      const v = draft.custom[i];
      if (typeof v === 'string') out += out ? `\n${v}` : v;
    }
    return out;
  }
  let out = '';
  for (const t of draft.turns) if (t.role === 'user') out += out ? `\n${t.text}` : t.text;
  if (draft.input) out += out ? `\n${draft.input}` : draft.input;
  return out;
}

/**
 * The text near dedup compares: every turn in order, with the input after the first (custom: every text value, in
 * key order). Not the system prompt: one shared by every record (`system_prompt`) would make short samples alike.
 */
export function nearDupText(draft: Draft): string {
  const parts: string[] = [];
  if (draft.custom) {
    for (const v of draft.custom) if (typeof v === 'string') parts.push(v);
    return parts.join('\n');
  }
  draft.turns.forEach((t, i) => {
    parts.push(t.text);
    if (i === 0 && draft.input) parts.push(draft.input);
  });
  return parts.join('\n');
}
