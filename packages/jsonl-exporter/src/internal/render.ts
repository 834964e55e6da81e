import type { ExportConfig } from '../export-config.js';
import type { Draft, Turn } from './draft.js';
import { writesSystemKey } from './mapper.js';

/** Builds the output line of a draft; key order is the documented order of each style, never sorted. */
export class Renderer {
  private readonly style: ExportConfig['style'];
  private readonly includeEmptyInput: boolean;
  private readonly includeWeight: boolean;
  private readonly assistantWeight: boolean;
  private readonly customKeys: string[];
  /** Lines carry a mapped top-level `system` column (see writesSystemKey). */
  private readonly systemColumn: boolean;

  constructor(config: ExportConfig, customKeys: string[]) {
    this.style = config.style;
    this.includeEmptyInput = config.format.include_empty_input;
    this.includeWeight = config.format.include_weight && config.weighting.enabled;
    this.assistantWeight = config.format.openai_assistant_weight;
    this.customKeys = customKeys;
    this.systemColumn = writesSystemKey(config);
  }

  /** The sample as a JSON-ready object. */
  toObject(d: Draft): Record<string, unknown> {
    let out: Record<string, unknown>;
    switch (this.style) {
      case 'instruction': {
        out = {};
        if (d.system !== undefined) out['system'] = d.system;
        out['instruction'] = (d.turns[0] as Turn).text;
        if (this.includeEmptyInput || d.input) out['input'] = d.input ?? '';
        out['output'] = (d.turns[1] as Turn).text;
        break;
      }
      case 'chat':
      case 'openai': {
        const messages: Record<string, unknown>[] = [];
        if (d.system !== undefined) messages.push({ role: 'system', content: d.system });
        let lastAssistant = -1;
        for (let i = 0; i < d.turns.length; i++) if ((d.turns[i] as Turn).role === 'assistant') lastAssistant = i;
        for (let i = 0; i < d.turns.length; i++) {
          const t = d.turns[i] as Turn;
          if (this.style === 'openai' && t.weight !== undefined) {
            // The record's own weight says what to train on: kept as it is.
            messages.push({ role: t.role, content: t.text, weight: t.weight });
          } else if (this.style === 'openai' && this.assistantWeight && t.role === 'assistant') {
            // OpenAI accepts weight 0/1 on assistant messages only: train on the final answer, not the history.
            messages.push({ role: t.role, content: t.text, weight: i === lastAssistant ? 1 : 0 });
          } else {
            messages.push({ role: t.role, content: t.text });
          }
        }
        // OpenAI fine-tuning lines carry `messages` only: no top-level weight, no metadata.
        if (this.style === 'openai') return { messages };
        out = { messages };
        break;
      }
      case 'sharegpt': {
        const conversations: Record<string, unknown>[] = [];
        // A conversation's own system prompt stays its first turn, where LLaMA-Factory (system_tag) and axolotl (the
        // system role) read it; a top-level key no trainer config maps would be dropped at training time.
        if (d.system !== undefined && !this.systemColumn) conversations.push({ from: 'system', value: d.system });
        for (const t of d.turns) conversations.push({ from: t.role === 'user' ? 'human' : 'gpt', value: t.text });
        out = { conversations };
        if (d.system !== undefined && this.systemColumn) out['system'] = d.system;
        break;
      }
      case 'completion':
        out = { prompt: (d.turns[0] as Turn).text, completion: (d.turns[1] as Turn).text };
        break;
      case 'text':
        out = { text: (d.turns[0] as Turn).text };
        break;
      case 'custom': {
        // Custom writes exactly the declared keys, in the declared order.
        out = {};
        const values = d.custom ?? [];
        for (let i = 0; i < this.customKeys.length; i++) out[this.customKeys[i] as string] = values[i];
        return out;
      }
    }
    if (this.includeWeight && d.weight !== undefined) out['weight'] = d.weight;
    if (d.metadata !== undefined) out['metadata'] = d.metadata;
    return out;
  }
}
