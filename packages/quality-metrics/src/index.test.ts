import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('the public entry', () => {
  it('exports the default flag thresholds, which the report lists', () => {
    expect(api.createQualityAccumulator().report().options.flagThresholds).toEqual(api.DEFAULT_FLAG_THRESHOLDS);
  });

  it('has every export named in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(Object.keys(api).filter((name) => !readme.includes(`\`${name}`))).toEqual([]);
  });
});
