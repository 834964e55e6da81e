import type { ExportConfigInput, ExportStyle } from './export-config.js';
import type { SourceConfigInput } from './sources/index.js';
import { parseTimestamp } from './internal/weight.js';

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

/**
 * The records' key for a known field name, in any case: `Question` and `INSTRUCTION` are matched, and written into
 * the config as the records spell them. The exact spelling wins, then the one most records have.
 */
function keyFor(keys: Map<string, string[]>, name: string): string {
  const spellings = keys.get(name.toLowerCase());
  if (spellings === undefined || spellings.includes(name)) return name;
  return spellings[0] as string;
}

function first(
  records: Record<string, unknown>[],
  keys: Map<string, string[]>,
  names: string[],
  exclude: string[] = [],
  min = 0.5,
  test: (v: unknown) => boolean = isText,
): string | undefined {
  for (const n of names) {
    const key = keyFor(keys, n);
    if (!exclude.includes(key) && share(records, key, test) >= min) return key;
  }
  return undefined;
}

/** Record keys by their lower-case form, each list most frequent first. */
function keysByLowerCase(records: Record<string, unknown>[]): Map<string, string[]> {
  const counts = new Map<string, number>();
  for (const r of records) for (const k of Object.keys(r)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const out = new Map<string, string[]>();
  for (const [k] of [...counts].sort((a, b) => b[1] - a[1])) {
    const lower = k.toLowerCase();
    const list = out.get(lower);
    if (list === undefined) out.set(lower, [k]);
    else list.push(k);
  }
  return out;
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
  const byLowerCase = keysByLowerCase(records);
  // Known names are matched in any case; a spelling other than the default is written into field_mapping.
  const field = (name: string, mappingKey: string): string => {
    const key = keyFor(byLowerCase, name);
    if (key !== name) fieldMapping[mappingKey] = key;
    return key;
  };
  const messages = keyFor(byLowerCase, 'messages');
  const conversations = keyFor(byLowerCase, 'conversations');
  const prompt = keyFor(byLowerCase, 'prompt');
  const completion = keyFor(byLowerCase, 'completion');
  const text = keyFor(byLowerCase, 'text');

  if (share(records, messages, isTurnArray('role', 'content')) >= 0.5) {
    style = 'chat';
    field('messages', 'messages_field');
    notes.push(`records have \`${messages}\` with role/content: style chat (use openai for OpenAI fine-tuning files)`);
  } else if (share(records, conversations, isTurnArray('from', 'value')) >= 0.5) {
    style = 'sharegpt';
    fieldMapping['messages_field'] = conversations;
    notes.push(`records have \`${conversations}\` with from/value: style sharegpt`);
  } else if (share(records, prompt) >= 0.5 && share(records, completion) >= 0.5) {
    style = 'completion';
    field('prompt', 'prompt_field');
    field('completion', 'completion_field');
    notes.push(`records have ${prompt} and ${completion}: style completion`);
  } else {
    const response = first(records, byLowerCase, RESPONSE);
    const instruction = first(records, byLowerCase, INSTRUCTION, response ? [response] : []);
    if (instruction && response) {
      fieldMapping['instruction_field'] = instruction;
      fieldMapping['output_field'] = response;
      const context = first(records, byLowerCase, CONTEXT, [instruction, response], 0.1);
      if (context) fieldMapping['input_field'] = context;
      notes.push(
        `instruction from \`${instruction}\`, output from \`${response}\`${context ? `, input from \`${context}\`` : ''}: style instruction`,
      );
    } else if (share(records, text) >= 0.5) {
      style = 'text';
      field('text', 'text_field');
      notes.push(`records have \`${text}\` only: style text`);
    } else {
      notes.push(
        `no known instruction/response fields among ${[...keys].slice(0, 12).join(', ') || '(none)'}: ` +
          'set field_mapping.instruction_field and output_field, or use style custom',
      );
    }
  }

  const system = first(records, byLowerCase, SYSTEM, [], 0.1);
  if (system && style !== 'chat' && style !== 'sharegpt') {
    fieldMapping['system_field'] = system;
    notes.push(`system prompt from \`${system}\``);
  }
  const config: GuessedExportConfig = { style };
  if (Object.keys(fieldMapping).length > 0) config.field_mapping = fieldMapping;

  const weighting: Record<string, string> = {};
  // By name, and only when its values are timestamps the weighting reads: a `date` of years (2021) or of prose
  // ("March 1, 2023") would reject every record as invalid_timestamp.
  const timestamp = first(records, byLowerCase, TIMESTAMP, [], 0.5, (v) => parseTimestamp(v) !== undefined);
  if (timestamp) {
    weighting['timestamp_field'] = timestamp;
    notes.push(`freshness weighting from \`${timestamp}\` (half-life 180 days)`);
  }
  const weight = keyFor(byLowerCase, 'weight');
  if (share(records, weight, (v) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))) >= 0.5) {
    if (weight !== 'weight') weighting['weight_field'] = weight;
    notes.push(`explicit weights from \`${weight}\``);
  }
  if (Object.keys(weighting).length > 0) config.weighting = weighting;

  const id = first(records, byLowerCase, ID, [], 0.9);
  if (id) {
    config.split = { id_field: id };
    notes.push(`split by hashing \`${id}\`, so re-runs keep each record in its split`);
  }
  if (options.source) config.source = options.source;
  return { config, notes };
}
