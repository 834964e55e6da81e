import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ServeConfigSchema } from './index.js';

describe('serve-config.schema.json', () => {
  it('is the JSON Schema generated from ServeConfigSchema (regenerate with scripts/write-json-schema.mjs)', async () => {
    const committed = await readFile(new URL('../serve-config.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(z.toJSONSchema(ServeConfigSchema, { io: 'input' }));
  });
});
