import { readJsonl } from '@lorakit/schema-validation';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineCounter } from './line-counter.js';

function count(chunks: readonly Buffer[]): number {
  const counter = new LineCounter();
  for (const chunk of chunks) counter.add(chunk);
  return counter.finish();
}

async function readJsonlRecords(chunks: readonly Buffer[]): Promise<number> {
  const reader = readJsonl(chunks);
  for await (const record of reader) void record;
  const { valid, invalid } = reader.summary();
  return valid + invalid;
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set([0, ...offsets.map((o) => o % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
}

describe('LineCounter', () => {
  it('counts a first line holding only a UTF-8 BOM as blank', () => {
    expect(count([Buffer.from('\ufeff\n{"a":1}\n')])).toBe(1);
    expect(count([Buffer.from([0xef]), Buffer.from([0xbb]), Buffer.from('\xbf\n{"a":1}\n', 'latin1')])).toBe(1);
  });

  it('agrees with readJsonl on any input cut anywhere (BOMs, half BOMs, blanks, CRLF)', async () => {
    const piece = fc.constantFrom('\ufeff', '\xef\xbb', '\xef', '\n', '\r\n', ' ', '\t', '{"a":1}', 'x', '\xbf');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 4 }), async (pieces, offsets) => {
        // '\ufeff' is a real BOM (UTF-8), the '\xNN' pieces single bytes.
        const bytes = Buffer.concat(pieces.map((p) => Buffer.from(p, p === '\ufeff' ? 'utf8' : 'latin1')));
        const chunks = cut(bytes, offsets);
        expect(count(chunks)).toBe(await readJsonlRecords(chunks));
      }),
      { numRuns: 500 },
    );
  });
});
