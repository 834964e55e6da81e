import { describe, expect, it } from 'vitest';
import { loraSelectionError } from './lora-selection-error.js';

describe('loraSelectionError', () => {
  it('names a lora_name or lora_request field vLLM would ignore, top-level or in extra_body', () => {
    expect(loraSelectionError({ model: 'base', lora_name: 'legal-de' })).toContain('"lora_name"');
    expect(loraSelectionError({ model: 'base', lora_request: {} })).toContain('"lora_request"');
    expect(loraSelectionError({ model: 'base', extra_body: { lora_name: 'legal-de' } })).toBe(
      'vLLM has no "extra_body.lora_name" request field: it ignores it and the base model answers; put the adapter name in "model"',
    );
  });

  it('accepts a request that selects the adapter through model', () => {
    expect(loraSelectionError({ model: 'legal-de', extra_body: { top_k: 20 } })).toBeUndefined();
    expect(loraSelectionError({ model: 'legal-de', extra_body: null })).toBeUndefined();
  });
});
