import { describe, expect, it } from 'vitest';
import { splitHeaderLine } from './split-header.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

const header = (bytes: number) => JSON.stringify({ config: { pad: 'x'.repeat(bytes) } });

describe('splitHeaderLine', () => {
  it('refuses a header line over the limit with 413, whether or not its newline is in the same chunk', async () => {
    const big = header(100 * 1024);
    for (const parts of [[`${big}\n{"a":1}\n`], [big.slice(0, 1000), `${big.slice(1000)}\n`], [big, '\n']]) {
      await expect(splitHeaderLine(chunks(...parts), 65536)).rejects.toMatchObject({
        code: 'SERVER_PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('over 65536 bytes'),
      });
    }
  });

  it('returns a header of exactly the limit and the rest of the body', async () => {
    const line = header(100);
    const { header: parsed, rest } = await splitHeaderLine(chunks(`${line}\n{"a":`, '1}\n'), Buffer.byteLength(line));
    expect(parsed).toEqual(JSON.parse(line));
    let text = '';
    for await (const c of rest) text += String(c);
    expect(text).toBe('{"a":1}\n');
  });
});
