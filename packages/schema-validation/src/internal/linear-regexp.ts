// Decides whether a backtracking engine (V8's) runs a pattern in linear time, for a deliberately small class of
// patterns: anchored with `^`, no alternation, lookaround or backreference, and deterministic: wherever the
// engine must choose (repeat once more or move on), the next character decides, because what the repeat can
// start with and what may follow it share no character. Then every wrong choice dies on its first character,
// so no input can make matching slower than linear. Anything outside the class goes to RE2.

type Ranges = [number, number][];

interface Atom {
  kind: 'atom';
  set: Ranges;
  min: number;
  max: number;
}
interface Group {
  kind: 'group';
  body: Item[];
  min: number;
  max: number;
}
type Item = Atom | Group;

const MAX = 0x10ffff;
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: Ranges = [
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
];
const DOT: Ranges = complement([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]);
const CONTROL: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, '0': 0x00 };

function complement(set: Ranges): Ranges {
  const sorted = [...set].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX) out.push([next, MAX]);
  return out;
}

function overlaps(a: Ranges, b: Ranges): boolean {
  for (const [alo, ahi] of a) for (const [blo, bhi] of b) if (alo <= bhi && blo <= ahi) return true;
  return false;
}

class Bail extends Error {}

class Parser {
  i = 0;
  constructor(private readonly src: string) {}

  private peek(): string | undefined {
    return this.src[this.i];
  }

  /** An escape after the backslash: a class shorthand or one code point. */
  private escape(): Ranges {
    const c = this.src[this.i++];
    if (c === undefined) throw new Bail();
    if (c === 'd') return DIGIT;
    if (c === 'D') return complement(DIGIT);
    if (c === 'w') return WORD;
    if (c === 'W') return complement(WORD);
    if (c === 's') return SPACE;
    if (c === 'S') return complement(SPACE);
    const control = CONTROL[c];
    if (control !== undefined) {
      if (c === '0' && /[0-9]/.test(this.peek() ?? '')) throw new Bail();
      return [[control, control]];
    }
    if (c === 'x' || c === 'u') {
      const m = c === 'x' ? /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i)) : /^(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]{1,6}\})/.exec(this.src.slice(this.i));
      if (m === null) throw new Bail();
      this.i += m[0].length;
      const cp = Number.parseInt(m[0].replace(/[{}]/g, ''), 16);
      // A \uXXXX surrogate half may pair with the next escape; keep it simple and leave those to RE2.
      if (cp >= 0xd800 && cp <= 0xdfff) throw new Bail();
      return [[cp, cp]];
    }
    if (/[\^$\\.*+?()[\]{}|/-]/.test(c)) {
      const cp = c.codePointAt(0) as number;
      return [[cp, cp]];
    }
    throw new Bail(); // \b, \B, \p{..}, \k<..>, \1, \c.. and the rest
  }

  private literal(): Ranges {
    const cp = this.src.codePointAt(this.i) as number;
    this.i += cp > 0xffff ? 2 : 1;
    return [[cp, cp]];
  }

  private charClass(): Ranges {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const set: Ranges = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new Bail();
      if (c === ']' && !first) break;
      if (c === ']' || c === '[') throw new Bail();
      first = false;
      let lo: Ranges;
      if (c === '\\') {
        this.i++;
        lo = this.escape();
      } else lo = this.literal();
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined) {
        this.i++;
        let hi: Ranges;
        if (this.peek() === '\\') {
          this.i++;
          hi = this.escape();
        } else hi = this.literal();
        const a = lo[0];
        const b = hi[0];
        if (lo.length !== 1 || hi.length !== 1 || a === undefined || b === undefined || a[0] !== a[1] || b[0] !== b[1]) {
          throw new Bail();
        }
        set.push([a[0], b[0]]);
      } else set.push(...lo);
    }
    this.i++;
    return negate ? complement(set) : set;
  }

  private quantifier(): [number, number] {
    const c = this.peek();
    let q: [number, number] = [1, 1];
    if (c === '*') q = [0, Infinity];
    else if (c === '+') q = [1, Infinity];
    else if (c === '?') q = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) throw new Bail();
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) throw new Bail();
      this.i += m[0].length - 1;
      q = [min, max];
    } else return q;
    this.i++;
    if (this.peek() === '?') throw new Bail(); // lazy quantifiers change which choice is tried first
    return q;
  }

  sequence(inGroup: boolean): Item[] {
    const items: Item[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        if (inGroup) throw new Bail();
        return items;
      }
      if (c === ')') {
        if (!inGroup) throw new Bail();
        return items;
      }
      if (c === '|' || c === '^') throw new Bail();
      if (c === '$') {
        if (this.i !== this.src.length - 1 || inGroup) throw new Bail();
        this.i++;
        return items;
      }
      let item: Item;
      if (c === '(') {
        this.i++;
        if (this.peek() === '?') {
          if (this.src[this.i + 1] !== ':') throw new Bail();
          this.i += 2;
        }
        const body = this.sequence(true);
        this.i++;
        item = { kind: 'group', body, min: 1, max: 1 };
      } else if (c === '[') {
        this.i++;
        item = { kind: 'atom', set: this.charClass(), min: 1, max: 1 };
      } else if (c === '\\') {
        this.i++;
        item = { kind: 'atom', set: this.escape(), min: 1, max: 1 };
      } else if (c === '.') {
        this.i++;
        item = { kind: 'atom', set: DOT, min: 1, max: 1 };
      } else if (c === '*' || c === '+' || c === '?' || c === '{' || c === '}' || c === ']') {
        throw new Bail();
      } else item = { kind: 'atom', set: this.literal(), min: 1, max: 1 };
      [item.min, item.max] = this.quantifier();
      items.push(item);
    }
  }
}

function first(item: Item): Ranges {
  if (item.kind === 'atom') return item.set;
  const head = item.body[0];
  if (head === undefined || head.min === 0) throw new Bail();
  return first(head);
}

/** Checks every choice point of `items`, given what may come right after the sequence. */
function checkSequence(items: Item[], follow: Ranges): void {
  for (let k = items.length - 1, after = follow; k >= 0; k--) {
    const item = items[k] as Item;
    const own = first(item);
    if (item.min !== item.max && overlaps(own, after)) throw new Bail();
    if (item.kind === 'group') checkSequence(item.body, item.max > 1 ? [...own, ...after] : after);
    after = item.min === 0 ? [...own, ...after] : own;
  }
}

/**
 * True when V8's backtracking engine matches `pattern` in linear time on every input (see the file comment for
 * the class accepted). False means "not proven", not "unsafe".
 */
export function isLinearForBacktracking(pattern: string): boolean {
  if (!pattern.startsWith('^')) return false;
  try {
    const parser = new Parser(pattern.slice(1));
    const items = parser.sequence(false);
    if (parser.i !== pattern.length - 1) return false;
    checkSequence(items, []);
    return true;
  } catch (error) {
    if (error instanceof Bail) return false;
    throw error;
  }
}
