import { Base64Parts, PART_BYTES } from './state-json.js';

/** Marks a line kept in the `bigLines` map: lines are positive, so no real line is this. */
const BIG = 0xffffffff;

/**
 * The response hash (a uint32) and the line of the first sample of each prompt the prompt-conflict table has seen,
 * by entry index: 8 bytes per prompt in two Uint32Arrays off the JS heap, grown by half when full. A line of 2^32 - 1
 * or more (a source that long is rare) goes to a map instead. A Float64Array of pairs took 16 bytes per prompt, and
 * a number[] before it held its doubles on the JS heap, which grew by ~50 MB at 1M samples.
 */
export class PromptResponses {
  private hashes: Uint32Array;
  private lines: Uint32Array;
  private readonly bigLines = new Map<number, number>();
  /** Entries stored. */
  length = 0;

  /** @param expected entries to make room for now. */
  constructor(expected = 512) {
    this.hashes = new Uint32Array(Math.max(16, expected));
    this.lines = new Uint32Array(Math.max(16, expected));
  }

  /**
   * The entries of {@link packed}'s text: little-endian float64 pairs `[hash0, line0, hash1, line1, ...]`, the state
   * format since state version 2.
   */
  static fromPacked(text: string): PromptResponses {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % 16 !== 0) throw new Error('prompt responses must hold 16 bytes per entry');
    const flat = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const out = new PromptResponses(flat.length / 2);
    for (let i = 0; i < flat.length; i += 2) out.push(flat[i]!, flat[i + 1]!);
    return out;
  }

  push(hash: number, line: number): void {
    if (!(hash >= 0 && hash <= 0xffffffff && Number.isInteger(hash))) throw new Error(`a response hash must be a uint32, got ${hash}`);
    if (!(line >= 1 && Number.isSafeInteger(line))) throw new Error(`a line must be a positive integer, got ${line}`);
    const i = this.length++;
    if (i === this.hashes.length) this.grow();
    this.hashes[i] = hash;
    if (line < BIG) this.lines[i] = line;
    else {
      this.lines[i] = BIG;
      this.bigLines.set(i, line);
    }
  }

  /** Response hash of entry `i`. */
  hash(i: number): number {
    return this.hashes[i]!;
  }

  /** Line of entry `i`. */
  line(i: number): number {
    const line = this.lines[i]!;
    return line === BIG ? this.bigLines.get(i)! : line;
  }

  /** The entries as {@link fromPacked} reads them, in parts of at most PART_BYTES, packed only when asked for. */
  packed(): Base64Parts {
    const { length } = this;
    const hash = (i: number) => this.hash(i);
    const line = (i: number) => this.line(i);
    return new Base64Parts(function* () {
      const part = new Float64Array(PART_BYTES / 8);
      let at = 0;
      for (let i = 0; i < length; i++) {
        part[at++] = hash(i);
        part[at++] = line(i);
        if (at === part.length) {
          yield Buffer.from(part.buffer).toString('base64');
          at = 0;
        }
      }
      if (at > 0) yield Buffer.from(part.buffer, 0, at * 8).toString('base64');
    });
  }

  private grow(): void {
    const size = Math.ceil(this.hashes.length * 1.5);
    const hashes = new Uint32Array(size);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const lines = new Uint32Array(size);
    lines.set(this.lines);
    this.lines = lines;
  }
}
