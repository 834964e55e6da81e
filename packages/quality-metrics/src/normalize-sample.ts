/** The sample formats lorakit reads and writes. */
export type SampleFormat = 'alpaca' | 'messages' | 'sharegpt' | 'completion' | 'text';

/** A conversation role after normalisation. */
export type Role = 'system' | 'user' | 'assistant';

/** One turn of a normalised sample. */
export interface Turn {
  role: Role;
  text: string;
}

/** A sample reduced to its format and its turns, in order. */
export interface NormalizedSample {
  format: SampleFormat;
  turns: Turn[];
}

const MESSAGE_ROLES: Readonly<Record<string, Role>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  model: 'assistant',
};

const SHAREGPT_ROLES: Readonly<Record<string, Role>> = {
  system: 'system',
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  model: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// OpenAI-style content parts: only text parts carry text; images and audio are not measured.
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const part of content) {
    if (typeof part === 'string') text += part;
    else if (isRecord(part) && typeof part['text'] === 'string') text += part['text'];
    else if (!isRecord(part)) return undefined;
  }
  return text;
}

function chatTurns(list: unknown[], roleKey: string, textKey: string, roles: Readonly<Record<string, Role>>): Turn[] | undefined {
  const turns: Turn[] = [];
  for (const item of list) {
    if (!isRecord(item)) return undefined;
    const rawRole = item[roleKey];
    if (typeof rawRole !== 'string') return undefined;
    const role = Object.hasOwn(roles, rawRole.toLowerCase()) ? roles[rawRole.toLowerCase()] : undefined;
    // Tool and function results are not prompt or response text a person wrote; they are skipped, not refused.
    if (role === undefined) {
      if (rawRole === 'tool' || rawRole === 'function' || rawRole === 'ipython' || rawRole === 'observation') continue;
      return undefined;
    }
    const text = contentText(item[textKey]);
    if (text === undefined) return undefined;
    turns.push({ role, text });
  }
  return turns;
}

/**
 * Normalises a training sample to role-tagged turns.
 *
 * Recognised shapes, tried in this order: `messages: [{ role, content }]`, ShareGPT `conversations: [{ from, value }]`
 * (with an optional top-level `system`, used when the conversation does not open with a system turn), alpaca `instruction` / `input?` / `output` (with an optional `system`), `prompt` / `completion`, and `text`.
 * Alpaca's `input` is appended to the instruction after a blank line; a bare `text` sample is one assistant turn
 * (all of it is trained on). Returns `undefined` when the sample matches none of them.
 *
 * @example
 * normalizeSample({ instruction: 'Add', input: '2+2', output: '4' });
 * // { format: 'alpaca', turns: [{ role: 'user', text: 'Add\n\n2+2' }, { role: 'assistant', text: '4' }] }
 */
export function normalizeSample(sample: unknown): NormalizedSample | undefined {
  if (!isRecord(sample)) return undefined;
  const messages = sample['messages'];
  if (Array.isArray(messages)) {
    const turns = chatTurns(messages, 'role', 'content', MESSAGE_ROLES);
    return turns === undefined ? undefined : { format: 'messages', turns };
  }
  const conversations = sample['conversations'];
  if (Array.isArray(conversations)) {
    const turns = chatTurns(conversations, 'from', 'value', SHAREGPT_ROLES);
    if (turns === undefined) return undefined;
    // A top-level system is the conversation's system prompt unless it opens with its own (LLaMA-Factory's rule).
    const system = sample['system'];
    if (typeof system === 'string' && system !== '' && turns[0]?.role !== 'system') turns.unshift({ role: 'system', text: system });
    return { format: 'sharegpt', turns };
  }
  const instruction = sample['instruction'];
  const output = sample['output'];
  if (typeof instruction === 'string' && typeof output === 'string') {
    const input = sample['input'];
    const system = sample['system'];
    const turns: Turn[] = [];
    if (typeof system === 'string' && system !== '') turns.push({ role: 'system', text: system });
    const prompt = typeof input === 'string' && input !== '' ? `${instruction}\n\n${input}` : instruction;
    turns.push({ role: 'user', text: prompt }, { role: 'assistant', text: output });
    return { format: 'alpaca', turns };
  }
  const prompt = sample['prompt'];
  const completion = sample['completion'];
  if (typeof prompt === 'string' && typeof completion === 'string') {
    return { format: 'completion', turns: [{ role: 'user', text: prompt }, { role: 'assistant', text: completion }] };
  }
  const text = sample['text'];
  if (typeof text === 'string') return { format: 'text', turns: [{ role: 'assistant', text }] };
  return undefined;
}

/** True when `value` already is a {@link NormalizedSample} (so callers can pass either). */
export function isNormalizedSample(value: unknown): value is NormalizedSample {
  return isRecord(value) && typeof value['format'] === 'string' && Array.isArray(value['turns']);
}
