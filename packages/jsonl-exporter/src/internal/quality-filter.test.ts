import { describe, expect, it } from 'vitest';
import { parseExportConfig, type ExportConfigInput } from '../export-config.js';
import { QualityFilter } from './quality-filter.js';
import { countCodePoints as charLength } from '@lorakit/schema-validation';

function filter(quality: ExportConfigInput['quality']): QualityFilter {
  return new QualityFilter(parseExportConfig({ source: { type: 'jsonl', path: 'x.jsonl' }, quality }));
}

describe('QualityFilter', () => {
  it('measures min/max length in characters, not bytes', () => {
    const f = filter({ min_text_length: 3, max_text_length: 5 });
    expect(f.check('', 'äöü', charLength('äöü'))).toBeUndefined();
    expect(f.check('', '🎨🎨🎨🎨🎨', charLength('🎨🎨🎨🎨🎨'))).toBeUndefined();
    expect(f.check('', 'ab', charLength('ab'))).toMatchObject({ code: 'too_short' });
    expect(f.check('', 'abcdef', charLength('abcdef'))).toMatchObject({ code: 'too_long' });
  });

  it('rejects empty and whitespace-only responses', () => {
    expect(filter({}).check('q', ' \n\t', charLength(' \n\t'))).toMatchObject({ code: 'empty_response' });
  });

  it('toxicity list matches whole words only, case-insensitively, in any script, when enabled', () => {
    const f = filter({ toxicity: { enabled: true, words: ['idiot', 'Dummkopf'] } });
    expect(f.check('', 'You IDIOT.', charLength('You IDIOT.'))).toMatchObject({ code: 'toxic', message: expect.stringContaining('IDIOT') });
    expect(f.check('du dummkopf', 'fine', charLength('fine'))).toMatchObject({ code: 'toxic' });
    expect(f.check('', 'idiotic idioten', charLength('idiotic idioten'))).toBeUndefined();
    expect(filter({ toxicity: { words: ['idiot'] } }).check('', 'idiot', charLength('idiot'))).toBeUndefined();
  });
});
