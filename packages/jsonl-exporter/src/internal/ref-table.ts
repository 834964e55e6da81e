/**
 * Refs of kept samples by ordinal, at 12 bytes each instead of a string each: a ref `prefix:line` (every file
 * source's shape) is stored as an interned prefix id and a line number; other refs are kept as strings. Exact and
 * near dedup need these to name the record a duplicate duplicates, for every kept sample of the run.
 */
export class RefTable {
  private prefixes: string[] = [];
  private readonly prefixIds = new Map<string, number>();
  private ids: Int32Array;
  private lines: Float64Array;
  private readonly other = new Map<number, string>();
  private size = 0;

  /** @param expected refs to make room for now (the table doubles past them as needed). */
  constructor(expected = 1024) {
    this.ids = new Int32Array(Math.max(16, expected));
    this.lines = new Float64Array(Math.max(16, expected));
  }

  /** Number of refs stored. */
  get length(): number {
    return this.size;
  }

  /** Store the ref of the next ordinal. */
  push(ref: string): void {
    const i = this.size++;
    if (i === this.ids.length) this.grow();
    const colon = ref.lastIndexOf(':');
    const tail = colon >= 0 ? ref.slice(colon + 1) : '';
    const line = tail.length > 0 && tail.length < 16 && isDigits(tail) ? Number(tail) : -1;
    if (line < 0) {
      this.ids[i] = -1;
      this.other.set(i, ref);
      return;
    }
    const prefix = ref.slice(0, colon + 1);
    let id = this.prefixIds.get(prefix);
    if (id === undefined) {
      id = this.prefixes.length;
      // Copy the prefix out of the ref so the table does not keep the first ref's whole string alive.
      const own = (' ' + prefix).slice(1);
      this.prefixes.push(own);
      this.prefixIds.set(own, id);
    }
    this.ids[i] = id;
    this.lines[i] = line;
  }

  /** The ref stored at `ordinal`. */
  get(ordinal: number): string | undefined {
    if (ordinal < 0 || ordinal >= this.size) return undefined;
    const id = this.ids[ordinal] as number;
    if (id < 0) return this.other.get(ordinal);
    return `${this.prefixes[id] as string}${this.lines[ordinal] as number}`;
  }

  private grow(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
    const lines = new Float64Array(this.lines.length * 2);
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

