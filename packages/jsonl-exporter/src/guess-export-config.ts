import type { ExportConfigInput, ExportStyle } from './export-config.js';
import type { SourceConfigInput } from './sources/index.js';

/** An export config guessed from sample records; `source` is set when the caller passed one. */
export type GuessedExportConfig = Omit<ExportConfigInput, 'source'> & { source?: SourceConfigInput };

/** What {@link guessExportConfig} returns. */
export interface GuessExportConfigResult {
  config: GuessedExportConfig;
  /** What was guessed and why, one sentence each, for `lorakit init` to print. */
  notes: string[];
}

/** Options of {@link guessExportConfig}. */
export interface GuessExportConfigOptions {
  /** The source the records came from, copied into the config. */
  source?: SourceConfigInput;
}

const INSTRUCTION = ['instruction', 'question', 'prompt', 'query', 'input', 'human', 'user'];
const RESPONSE = ['output', 'answer', 'response', 'completion', 'target', 'assistant', 'gpt'];
const CONTEXT = ['input', 'context', 'passage'];
const SYSTEM = ['system', 'system_prompt'];
const TIMESTAMP = ['created_at', 'updated_at', 'timestamp', 'date', 'time'];
const ID = ['id', 'uuid', '_id', 'key'];

function share(records: Record<string, unknown>[], key: string, test: (v: unknown) => boolean = isText): number {
  if (records.length === 0) return 0;
  let n = 0;
  for (const r of records) if (test(r[key])) n++;
  return n / records.length;
}

function isText(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number';
}

function isTurnArray(roleKey: string, contentKey: string) {
  return (v: unknown) =>
    Array.isArray(v) && v.length > 0 && v.every((m) => m !== null && typeof m === 'object' && roleKey in m && contentKey in m);
}

function first(records: Record<string, unknown>[], names: string[], exclude: string[] = [], min = 0.5): string | undefined {
  for (const n of names) if (!exclude.includes(n) && share(records, n) >= min) return n;
  return undefined;
}

/**
 * Guess the style and field mapping of an export from a few sample records (for `lorakit init`). Recognises
 * OpenAI/chat `messages`, ShareGPT `conversations`, alpaca-like instruction/output pairs under common names,
 * prompt/completion and text records, plus id, timestamp and weight fields.
 *
 * @example
 * ```ts
 * const { config, notes } = guessExportConfig(firstRecords, { source: { type: 'jsonl', path: 'data.jsonl' } });
 * ```
 */
export function guessExportConfig(
  records: Record<string, unknown>[],
  options: GuessExportConfigOptions = {},
): GuessExportConfigResult {
  const notes: string[] = [];
  const fieldMapping: Record<string, string> = {};
  let style: ExportStyle = 'instruction';
  const keys = new Set(records.flatMap((r) => Object.keys(r)));

  if (share(records, 'messages', isTurnArray('role', 'content')) >= 0.5) {
    style = 'chat';
    notes.push('records have `messages` with role/content: style chat (use openai for OpenAI fine-tuning files)');
  } else if (share(records, 'conversations', isTurnArray('from', 'value')) >= 0.5) {
    style = 'sharegpt';
    fieldMapping['messages_field'] = 'conversations';
    notes.push('records have `conversations` with from/value: style sharegpt');
  } else if (share(records, 'prompt') >= 0.5 && share(records, 'completion') >= 0.5) {
    style = 'completion';
    notes.push('records have prompt and completion: style completion');
  } else {
    const response = first(records, RESPONSE);
    const instruction = first(records, INSTRUCTION, response ? [response] : []);
    if (instruction && response) {
      fieldMapping['instruction_field'] = instruction;
      fieldMapping['output_field'] = response;
      const context = first(records, CONTEXT, [instruction, response], 0.1);
      if (context) fieldMapping['input_field'] = context;
      notes.push(
        `instruction from \`${instruction}\`, output from \`${response}\`${context ? `, input from \`${context}\`` : ''}: style instruction`,
      );
    } else if (share(records, 'text') >= 0.5) {
      style = 'text';
      notes.push('records have `text` only: style text');
    } else {
      notes.push(
        `no known instruction/response fields among ${[...keys].slice(0, 12).join(', ') || '(none)'}: ` +
          'set field_mapping.instruction_field and output_field, or use style custom',
      );
    }
  }

  const system = first(records, SYSTEM, [], 0.1);
  if (system && style !== 'chat' && style !== 'sharegpt') {
    fieldMapping['system_field'] = system;
    notes.push(`system prompt from \`${system}\``);
  }
  const config: GuessedExportConfig = { style };
  if (Object.keys(fieldMapping).length > 0) config.field_mapping = fieldMapping;

  const weighting: Record<string, string> = {};
  const timestamp = first(records, TIMESTAMP, [], 0.5);
  if (timestamp) {
    weighting['timestamp_field'] = timestamp;
    notes.push(`freshness weighting from \`${timestamp}\` (half-life 180 days)`);
  }
  if (share(records, 'weight', (v) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))) >= 0.5) {
    notes.push('explicit weights from `weight`');
  }
  if (Object.keys(weighting).length > 0) config.weighting = weighting;

  const id = first(records, ID, [], 0.9);
  if (id) {
    config.split = { id_field: id };
    notes.push(`split by hashing \`${id}\`, so re-runs keep each record in its split`);
  }
  if (options.source) config.source = options.source;
  return { config, notes };
}
