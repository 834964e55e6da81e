/** Marks an ordinal whose ref is kept whole in {@link RefTable}'s `other` map. */
const OTHER = 0xffffffff;

/**
 * Refs of kept samples by ordinal, at 4 bytes each instead of a string each when they end in `:<number>` (JSONL and
 * CSV lines, a table's numeric key): the number is stored, and the prefix (`data.jsonl:`) once per run of ordinals
 * that share it, since refs arrive in input order and a source changes file rarely. Other refs (`file.json[3]`,
 * Parquet rows, text keys, numbers of 2^32 and above) are kept as strings, in a map. Exact and near dedup need these
 * to name the record a duplicate duplicates, for every kept sample of the run.
 */
export class RefTable {
  private readonly prefixes: string[] = [];
  /** First ordinal of each run of one prefix, ascending; `runPrefix[k]` is the run's index in `prefixes`. */
  private readonly runStart: number[] = [];
  private readonly runPrefix: number[] = [];
  private readonly prefixIds = new Map<string, number>();
  private lines: Uint32Array;
  private readonly other = new Map<number, string>();
  private size = 0;

  /** @param expected refs to make room for now (the table grows past them as needed). */
  constructor(expected = 1024) {
    this.lines = new Uint32Array(Math.max(16, expected));
  }

  /** Number of refs stored. */
  get length(): number {
    return this.size;
  }

  /** Store the ref of the next ordinal. */
  push(ref: string): void {
    const i = this.size++;
    if (i === this.lines.length) this.grow();
    const colon = ref.lastIndexOf(':');
    const tail = colon >= 0 ? ref.slice(colon + 1) : '';
    const line = tail.length > 0 && tail.length < 11 && isDigits(tail) ? Number(tail) : OTHER;
    if (line >= OTHER) {
      this.lines[i] = OTHER;
      this.other.set(i, ref);
      return;
    }
    this.lines[i] = line;
    const last = this.runPrefix.length - 1;
    const current = last >= 0 ? (this.prefixes[this.runPrefix[last] as number] as string) : undefined;
    // Compared in place, without slicing the prefix out of every ref.
    if (current !== undefined && current.length === colon + 1 && ref.startsWith(current)) return;
    const prefix = ref.slice(0, colon + 1);
    let id = this.prefixIds.get(prefix);
    if (id === undefined) {
      id = this.prefixes.length;
      // Copy the prefix out of the ref so the table does not keep the first ref's whole string alive.
      const own = (' ' + prefix).slice(1);
      this.prefixes.push(own);
      this.prefixIds.set(own, id);
    }
    this.runStart.push(i);
    this.runPrefix.push(id);
  }

  /** The ref stored at `ordinal`. */
  get(ordinal: number): string | undefined {
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= this.size) return undefined;
    const line = this.lines[ordinal] as number;
    if (line === OTHER) return this.other.get(ordinal);
    return `${this.prefixes[this.runPrefix[this.runOf(ordinal)] as number] as string}${line}`;
  }

  /** Index of the last run starting at or before `ordinal` (there is one: a line ref starts a run or extends one). */
  private runOf(ordinal: number): number {
    let lo = 0;
    let hi = this.runStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.runStart[mid] as number) <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private grow(): void {
    const lines = new Uint32Array(Math.ceil(this.lines.length * 1.5));
    lines.set(this.lines);
    this.lines = lines;
  }
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  // A leading zero would not survive the round trip through a number.
  return s.length === 1 || s.charCodeAt(0) !== 48;
}
