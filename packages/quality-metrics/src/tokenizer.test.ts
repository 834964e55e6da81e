import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './tokenizer.js';

const dir = fileURLToPath(new URL('../test/fixtures/tiny-tokenizer', import.meta.url));

describe('loadTokenizer', () => {
  it('counts tokens of a local WordLevel tokenizer.json', async () => {
    const tokenizer = await loadTokenizer(dir);
    // hello | world | , | the | cat | sat | . ; "Zebra" is one [UNK].
    expect(tokenizer.count('Hello world, the cat sat.')).toBe(7);
    expect(tokenizer.count('Zebra')).toBe(1);
    expect(tokenizer.count('')).toBe(0);
  });

  it('names the missing file', async () => {
    await expect(loadTokenizer('/nonexistent-dir')).rejects.toMatchObject({
      code: 'METRICS_TOKENIZER_NOT_FOUND',
      message: expect.stringContaining('/nonexistent-dir/tokenizer.json'),
    });
  });
});
