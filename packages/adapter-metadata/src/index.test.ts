import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public entry', () => {
  it('exports the names other packages and apps rely on (docs/architecture.md)', () => {
    expect(Object.keys(api)).toEqual(expect.arrayContaining([
      'AdapterMetadataSchema', 'safeParseAdapterMetadata', 'parseAdapterMetadata', 'readAdapterMetadata',
      'writeAdapterMetadata', 'AdapterMetadataError', 'toPeftConfig', 'fromPeftConfig', 'parsePeftConfig', 'toModelCard',
      'hashFile', 'describeDataset', 'resolveLineage', 'createDirectoryLookup', 'nextVersion', 'diffMetadata',
      'missingLoraHyperparameters',
    ]));
    expect(Object.keys(api).filter((name) => typeof (api as Record<string, unknown>)[name] === 'undefined')).toEqual([]);
  });
});
