import { describe, expect, it } from 'vitest';
import { PromptResponses } from './prompt-responses.js';
import { PART_BYTES } from './state-json.js';

describe('PromptResponses', () => {
  it('keeps every entry in order across growth, lines of 2^32 and above too', () => {
    const pairs = new PromptResponses(1);
    const line = (i: number) => (i % 1000 === 999 ? 2 ** 32 + i : i + 1);
    for (let i = 0; i < 10_000; i++) pairs.push((i * 2654435761) >>> 0, line(i));
    expect(pairs.length).toBe(10_000);
    for (const i of [0, 1, 998, 999, 5_000, 9_999]) expect([pairs.hash(i), pairs.line(i)]).toEqual([(i * 2654435761) >>> 0, line(i)]);
  });

  it('packs into the state format, float64 pairs [hash, line] in parts that concatenate, and reads it back', () => {
    const pairs = new PromptResponses();
    const n = PART_BYTES / 16 + 100;
    for (let i = 0; i < n; i++) pairs.push(0xffffffff - i, i === 7 ? 2 ** 40 : i + 1);
    const parts = [...pairs.packed().parts()];
    expect(parts.length).toBe(2);
    const text = parts.join('');
    const flat = new Float64Array(Buffer.from(text, 'base64').buffer.slice(0));
    expect([...flat.subarray(0, 4)]).toEqual([0xffffffff, 1, 0xfffffffe, 2]);
    expect(flat[15]).toBe(2 ** 40);
    const copy = PromptResponses.fromPacked(text);
    expect(copy.length).toBe(n);
    for (const i of [0, 7, n - 1]) expect([copy.hash(i), copy.line(i)]).toEqual([pairs.hash(i), pairs.line(i)]);
  });

  it('refuses what a state cannot hold: a hash that is no uint32, a line that is no positive integer, a torn text', () => {
    const pairs = new PromptResponses();
    expect(() => pairs.push(-1, 1)).toThrow(/uint32/);
    expect(() => pairs.push(1.5, 1)).toThrow(/uint32/);
    expect(() => pairs.push(1, 0)).toThrow(/positive integer/);
    expect(() => PromptResponses.fromPacked(Buffer.alloc(24).toString('base64'))).toThrow(/16 bytes per entry/);
  });
});
