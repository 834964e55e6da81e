import { describe, expect, it } from 'vitest';
import { loadPeer } from './internal/load-peer.js';
import { toTypeScript } from './to-typescript.js';

describe('toTypeScript', () => {
  it('declares an interface with required and optional fields, enums and local $refs', async () => {
    const source = await toTypeScript(
      {
        type: 'object',
        required: ['output'],
        properties: {
          output: { type: 'string' },
          lang: { enum: ['de', 'en'] },
          turns: { type: 'array', items: { $ref: '#/$defs/turn' } },
        },
        $defs: { turn: { type: 'object', required: ['role'], properties: { role: { const: 'user' } } } },
      },
      { name: 'TrainingRecord' },
    );
    expect(source).toContain('export interface TrainingRecord');
    expect(source).toMatch(/output: string;/);
    expect(source).toMatch(/lang\?: "de" \| "en";/);
    expect(source).toMatch(/role: "user";/);
    expect(source).not.toMatch(/\[k: string\]/);
  });

  it('names the package to install when an optional peer is missing', async () => {
    await expect(loadPeer('lorakit-no-such-package', 'toTypeScript', '^1')).rejects.toMatchObject({
      code: 'SCHEMA_DEPENDENCY_MISSING',
      message: expect.stringContaining('npm install lorakit-no-such-package@^1') as unknown,
    });
  });
});
