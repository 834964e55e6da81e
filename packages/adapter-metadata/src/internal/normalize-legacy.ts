import type { Issue } from './issue.js';
import { isPlainObject, type JsonValue } from './json.js';

// The system lorakit replaces wrote every number as a string ("4.500000", C's %f) and every custom value as a
// string. These are the numeric fields of the model, so such strings are turned back into numbers on read.
const NUMERIC_FIELDS: Record<string, readonly string[]> = {
  training: ['num_samples', 'epochs', 'learning_rate', 'lora_rank', 'lora_alpha', 'lora_dropout', 'max_seq_len',
    'batch_size', 'gradient_accumulation_steps', 'seed'],
};
const BOOLEAN_FIELDS: Record<string, readonly string[]> = { training: ['use_rslora', 'use_dora'] };
const NUMBER_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const PRINTF_FLOAT = /^-?\d+\.\d{6}$/;
const MODULE_LIST_TEXT = /^\s*[\w.]+(?:\s*,\s*[\w.]+)+\s*$/;

function numberFrom(value: unknown): number | undefined {
  return typeof value === 'string' && NUMBER_TEXT.test(value) ? Number(value) : undefined;
}

/**
 * Turns a file in the original system's shape into the current one. Works on a deep copy: the caller's value is
 * never touched, so a failed import leaves nothing half-applied.
 */
export function normalizeLegacy(input: unknown): { value: unknown; warnings: Issue[] } {
  if (!isPlainObject(input)) return { value: input, warnings: [] };
  const value = structuredClone(input) as Record<string, unknown>;
  const changed: string[] = [];

  for (const [group, fields] of Object.entries(NUMERIC_FIELDS)) {
    const section = value[group];
    if (!isPlainObject(section)) continue;
    for (const field of fields) {
      const n = numberFrom(section[field]);
      if (n !== undefined) {
        section[field] = n;
        changed.push(`/${group}/${field}`);
      }
    }
  }
  for (const [group, fields] of Object.entries(BOOLEAN_FIELDS)) {
    const section = value[group];
    if (!isPlainObject(section)) continue;
    for (const field of fields) {
      if (section[field] === 'true' || section[field] === 'false') {
        section[field] = section[field] === 'true';
        changed.push(`/${group}/${field}`);
      }
    }
  }
  const training = value['training'];
  if (isPlainObject(training) && typeof training['target_modules'] === 'string'
    && MODULE_LIST_TEXT.test(training['target_modules'])) {
    training['target_modules'] = training['target_modules'].split(',').map((name) => name.trim());
    changed.push('/training/target_modules');
  }
  const provenance = value['provenance'];
  if (isPlainObject(provenance) && Array.isArray(provenance['datasets'])) {
    provenance['datasets'].forEach((entry: unknown, i) => {
      if (!isPlainObject(entry)) return;
      for (const field of ['bytes', 'records']) {
        const n = numberFrom(entry[field]);
        if (n !== undefined) {
          entry[field] = n;
          changed.push(`/provenance/datasets/${i}/${field}`);
        }
      }
    });
  }
  const evaluation = value['evaluation'];
  if (isPlainObject(evaluation) && Array.isArray(evaluation['metrics'])) {
    evaluation['metrics'].forEach((metric: unknown, i) => {
      if (!isPlainObject(metric)) return;
      const n = numberFrom(metric['value']);
      if (n !== undefined) {
        metric['value'] = n;
        changed.push(`/evaluation/metrics/${i}/value`);
      }
    });
  }
  const custom = value['custom'];
  // Custom strings are only re-read as numbers in a file that already showed the original shape (numbers as
  // text above) and whose custom map is all strings: elsewhere "4.500000" may well be meant as text.
  if (changed.length > 0 && isPlainObject(custom) && Object.values(custom).length > 0
    && Object.values(custom).every((v) => typeof v === 'string')) {
    for (const [key, text] of Object.entries(custom as Record<string, string>)) {
      if (PRINTF_FLOAT.test(text)) {
        custom[key] = Number(text) as JsonValue;
        changed.push(`/custom/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      }
    }
  }
  const warnings: Issue[] = changed.map((path) => ({
    code: 'legacy_normalized',
    path,
    message: 'a number or list written as text in the original format; read as its value',
  }));
  return { value, warnings };
}
