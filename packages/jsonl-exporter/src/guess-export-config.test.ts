import { describe, expect, it } from 'vitest';
import { parseExportConfig } from './export-config.js';
import { guessExportConfig } from './guess-export-config.js';

describe('guessExportConfig', () => {
  it('recognises alpaca-like records under other names, with id and timestamp', () => {
    const { config, notes } = guessExportConfig([
      { id: 1, question: 'Q1', answer: 'A1', context: 'C', created_at: '2024-01-01' },
      { id: 2, question: 'Q2', answer: 'A2', created_at: '2024-01-02' },
    ]);
    expect(config).toMatchObject({
      style: 'instruction',
      field_mapping: { instruction_field: 'question', output_field: 'answer', input_field: 'context' },
      weighting: { timestamp_field: 'created_at' },
      split: { id_field: 'id' },
    });
    expect(notes.length).toBeGreaterThan(2);
    // The guess is a valid config once a source is added.
    expect(() => parseExportConfig({ ...config, source: { type: 'jsonl', path: 'x.jsonl' } })).not.toThrow();
  });

  it('weighs by a timestamp field only when its values are timestamps, not years or prose dates', () => {
    // Before: `date` was taken by its name, and the guessed config rejected every record as invalid_timestamp.
    for (const date of [2021, 'March 1, 2023', '12:30']) {
      const { config } = guessExportConfig([{ question: 'Q1', answer: 'A1', date }, { question: 'Q2', answer: 'A2', date }]);
      expect(config, String(date)).not.toHaveProperty('weighting');
    }
    const { config } = guessExportConfig([{ question: 'Q1', answer: 'A1', date: '2024-01-01T08:00:00Z' }, { question: 'Q2', answer: 'A2', date: 1_700_000_000 }]);
    expect(config).toMatchObject({ weighting: { timestamp_field: 'date' } });
  });

  it('recognises messages, conversations, prompt/completion and text', () => {
    expect(guessExportConfig([{ messages: [{ role: 'user', content: 'hi' }] }]).config.style).toBe('chat');
    const share = guessExportConfig([{ conversations: [{ from: 'human', value: 'hi' }] }]).config;
    expect(share).toMatchObject({ style: 'sharegpt', field_mapping: { messages_field: 'conversations' } });
    expect(guessExportConfig([{ prompt: 'p', completion: 'c' }]).config.style).toBe('completion');
    expect(guessExportConfig([{ text: 't' }]).config.style).toBe('text');
  });

  it('matches field names in any case and maps them as the records spell them', () => {
    const { config } = guessExportConfig([
      { ID: 1, Question: 'Q1', Answer: 'A1', Weight: '2' },
      { ID: 2, Question: 'Q2', Answer: 'A2', Weight: '1' },
    ]);
    expect(config).toMatchObject({
      style: 'instruction',
      field_mapping: { instruction_field: 'Question', output_field: 'Answer' },
      weighting: { weight_field: 'Weight' },
      split: { id_field: 'ID' },
    });
    expect(guessExportConfig([{ Instruction: 'I', output: 'O', instruction: 'i' }]).config.field_mapping).toMatchObject({ instruction_field: 'instruction' });
    expect(guessExportConfig([{ Text: 't' }]).config).toMatchObject({ style: 'text', field_mapping: { text_field: 'Text' } });
    expect(guessExportConfig([{ Prompt: 'p', COMPLETION: 'c' }]).config).toMatchObject({
      style: 'completion',
      field_mapping: { prompt_field: 'Prompt', completion_field: 'COMPLETION' },
    });
    expect(guessExportConfig([{ Messages: [{ role: 'user', content: 'hi' }] }]).config).toMatchObject({
      style: 'chat',
      field_mapping: { messages_field: 'Messages' },
    });
  });

  it('says what to do when nothing fits', () => {
    const { notes } = guessExportConfig([{ foo: 1, bar: 2 }]);
    expect(notes.join(' ')).toMatch(/set field_mapping\.instruction_field.*custom/);
  });
});
