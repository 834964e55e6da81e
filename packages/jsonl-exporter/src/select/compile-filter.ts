import { ExportError } from '../errors.js';
import { booleanOf, compareValues, compareWithInstant, instantOf } from './compare-values.js';
import { getSegment } from './get-path.js';

/** A compiled filter: true keeps the record. */
export type RecordFilter = (record: Record<string, unknown>) => boolean;

type TokenType = 'string' | 'number' | 'ident' | 'quoted' | 'op' | 'punct' | 'end';
interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly value?: string | number;
  readonly start: number;
}

type Literal = string | number | boolean | null;
type Operand = { kind: 'literal'; value: Literal } | { kind: 'field'; path: string; segments: string[] };
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; expr: Node }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; items: Literal[] }
  | { kind: 'contains'; left: Operand; right: Operand }
  | { kind: 'truthy'; operand: Operand }
  | { kind: 'const'; value: boolean };
type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
const FLIPPED: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

const MAX_LENGTH = 10_000;
const MAX_DEPTH = 64;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'null']);
// Letters of any script: field names such as `Größe` or `日付` need no backticks.
const IDENT_START = /[\p{L}_$]/u;
const IDENT_PART = /[\p{L}\p{N}\p{M}_$-]/u;
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'", '`': '`' };

/**
 * Where a UTF-16 position is, for an error: its column counted in characters (an emoji is one), on its own line of
 * a multi-line expression (a YAML `filter: |` block; the newline such a block ends with makes no second line).
 */
function locate(expression: string, position: number): { where: string; line: string; column: number } {
  const trimmed = expression.trimEnd();
  const text = expression.slice(trimmed.length).includes('\n') ? trimmed : expression;
  const at = Math.min(position, text.length);
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = text.indexOf('\n', at);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const column = [...text.slice(lineStart, at)].length + 1;
  const lineNumber = text.slice(0, lineStart).split('\n').length;
  return { where: text.includes('\n') ? `line ${lineNumber}, column ${column}` : `column ${column}`, line, column };
}

/** Throws EXPORT_FILTER_INVALID at a UTF-16 position (see {@link locate}), with its line and a caret under it. */
function fail(expression: string, position: number, message: string): never {
  const { where, line, column } = locate(expression, position);
  throw new ExportError('EXPORT_FILTER_INVALID', `Invalid filter expression at ${where}: ${message}\n  ${line}\n  ${' '.repeat(column - 1)}^`);
}

function isPathIndex(tokens: Token[]): boolean {
  const before = tokens[tokens.length - 2];
  return before !== undefined && before.type === 'punct' && before.text === '.';
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = expression.length;
  while (i < n) {
    const c = expression[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'" || c === '`') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) fail(expression, start, `unterminated ${c === '`' ? 'quoted field name' : 'string'}`);
        const d = expression[i] as string;
        if (d === c) break;
        if (d === '\\') {
          const e = expression[i + 1];
          if (e === 'u') {
            const hex = expression.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(expression, i, 'invalid \\u escape, expected 4 hex digits');
            text += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
          if (simple === undefined) fail(expression, i, `invalid escape \\${e ?? ''}`);
          text += simple;
          i += 2;
          continue;
        }
        text += d;
        i++;
      }
      i++;
      tokens.push({ type: c === '`' ? 'quoted' : 'string', text: expression.slice(start, i), value: text, start });
      continue;
    }
    const prev = tokens[tokens.length - 1];
    // After a field name a "." continues the path (`messages.0`), it never starts a number.
    const inPath =
      c === '.' &&
      prev !== undefined &&
      (prev.type === 'ident' || prev.type === 'quoted' || (prev.type === 'number' && isPathIndex(tokens))) &&
      prev.start + prev.text.length === i;
    if (c >= '0' && c <= '9' && prev?.type === 'punct' && prev.text === '.') {
      // An array index inside a path (`messages.0.role`): digits only, the next "." belongs to the path.
      while (i < n && (expression[i] as string) >= '0' && (expression[i] as string) <= '9') i++;
      tokens.push({ type: 'number', text: expression.slice(start, i), value: Number(expression.slice(start, i)), start });
      continue;
    }
    if (!inPath && ((c >= '0' && c <= '9') || ((c === '-' || c === '.') && /[0-9.]/.test(expression[i + 1] ?? '')))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(expression);
      if (m === null) fail(expression, i, `invalid number`);
      i += m[0].length;
      if (i < n && IDENT_PART.test(expression[i] as string)) fail(expression, start, `invalid number "${m[0]}${expression[i]}"`);
      tokens.push({ type: 'number', text: m[0], value: Number(m[0]), start });
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < n && IDENT_PART.test(expression[i] as string)) i++;
      tokens.push({ type: 'ident', text: expression.slice(start, i), start });
      continue;
    }
    const two = expression.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      tokens.push({ type: 'op', text: two, start });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>' || c === '!') {
      tokens.push({ type: 'op', text: c, start });
      i++;
      continue;
    }
    if (c === '=') fail(expression, i, 'use == to compare for equality');
    if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',' || c === '.') {
      tokens.push({ type: 'punct', text: c, start });
      i++;
      continue;
    }
    fail(expression, i, `unexpected character "${String.fromCodePoint(expression.codePointAt(i) as number)}"`);
  }
  tokens.push({ type: 'end', text: '', start: n });
  return tokens;
}

function describe(token: Token): string {
  return token.type === 'end' ? 'the end of the expression' : `"${token.text}"`;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly expression: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Node {
    const node = this.parseOr();
    const next = this.peek();
    if (next.type !== 'end') {
      this.fail(next, `expected "and", "or" or the end of the expression, found ${describe(next)}`);
    }
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.pos++;
    return token;
  }

  private fail(token: Token, message: string): never {
    return fail(this.expression, token.start, message);
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.type === 'ident' && token.text.toLowerCase() === word;
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) this.fail(token, `nesting deeper than ${MAX_DEPTH} levels`);
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    for (;;) {
      const t = this.peek();
      if (!this.isKeyword(t, 'or') && !(t.type === 'op' && t.text === '||')) return left;
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    for (;;) {
      const t = this.peek();
      if (!this.isKeyword(t, 'and') && !(t.type === 'op' && t.text === '&&')) return left;
      this.next();
      left = { kind: 'and', left, right: this.parseNot() };
    }
  }

  private parseNot(): Node {
    const t = this.peek();
    if (this.isKeyword(t, 'not') || (t.type === 'op' && t.text === '!')) {
      this.next();
      this.enter(t);
      const expr = this.parseNot();
      this.depth--;
      return { kind: 'not', expr };
    }
    return this.parseComparison();
  }

  private parseComparison(): Node {
    const t = this.peek();
    if (t.type === 'punct' && t.text === '(') {
      this.next();
      this.enter(t);
      const inner = this.parseOr();
      this.depth--;
      const close = this.next();
      if (close.type !== 'punct' || close.text !== ')') {
        this.fail(close, `expected ")" to close the "(" at ${locate(this.expression, t.start).where}, found ${describe(close)}`);
      }
      return inner;
    }
    const left = this.parseOperand();
    const op = this.peek();
    if (op.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(op.text)) {
      this.next();
      return { kind: 'compare', op: op.text as CompareOp, left, right: this.parseOperand(op) };
    }
    if (this.isKeyword(op, 'in')) {
      this.next();
      return { kind: 'in', left, items: this.parseList(op) };
    }
    if (this.isKeyword(op, 'not') && this.isKeyword(this.peek(1), 'in')) {
      this.next();
      const inToken = this.next();
      return { kind: 'not', expr: { kind: 'in', left, items: this.parseList(inToken) } };
    }
    if (this.isKeyword(op, 'not') && this.isKeyword(this.peek(1), 'contains')) {
      this.next();
      const containsToken = this.next();
      return { kind: 'not', expr: { kind: 'contains', left, right: this.parseOperand(containsToken) } };
    }
    if (this.isKeyword(op, 'contains')) {
      this.next();
      return { kind: 'contains', left, right: this.parseOperand(op) };
    }
    if (left.kind === 'literal') {
      if (typeof left.value === 'boolean') return { kind: 'const', value: left.value };
      this.fail(t, `a ${left.value === null ? 'null' : typeof left.value} on its own is not a condition; compare it with a field`);
    }
    return { kind: 'truthy', operand: left };
  }

  private parseList(after: Token): Literal[] {
    const open = this.next();
    if (open.type !== 'punct' || open.text !== '[') {
      this.fail(open, `expected "[" to start a list after "${after.text}", found ${describe(open)}`);
    }
    const items: Literal[] = [];
    if (this.peek().type === 'punct' && this.peek().text === ']') {
      this.next();
      return items;
    }
    for (;;) {
      const t = this.peek();
      const item = this.parseOperand(open);
      if (item.kind !== 'literal') this.fail(t, `list items must be literals (strings, numbers, true, false, null), found field "${item.path}"`);
      items.push(item.value);
      const sep = this.next();
      if (sep.type === 'punct' && sep.text === ']') return items;
      if (sep.type !== 'punct' || sep.text !== ',') this.fail(sep, `expected "," or "]" in the list, found ${describe(sep)}`);
    }
  }

  private parseOperand(after?: Token): Operand {
    const t = this.next();
    if (t.type === 'string' || t.type === 'number') return { kind: 'literal', value: t.value as string | number };
    if (t.type === 'ident' || t.type === 'quoted') {
      const word = t.text.toLowerCase();
      if (t.type === 'ident' && KEYWORDS.has(word)) {
        if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
        if (word === 'null') return { kind: 'literal', value: null };
        this.fail(t, `expected a field or a value, found the keyword "${t.text}" (quote a field of that name with backticks)`);
      }
      const segments = [t.type === 'quoted' ? (t.value as string) : t.text];
      while (this.peek().type === 'punct' && this.peek().text === '.') {
        this.next();
        const s = this.next();
        if (s.type === 'ident' || s.type === 'quoted') segments.push(s.type === 'quoted' ? (s.value as string) : s.text);
        else if (s.type === 'number' && /^\d+$/.test(s.text)) segments.push(s.text);
        else this.fail(s, `expected a field name after ".", found ${describe(s)}`);
      }
      // The segments as parsed: a backtick-quoted name may hold dots (a.`b.c`), which splitting the path again would lose.
      return { kind: 'field', path: segments.join('.'), segments };
    }
    const where = after === undefined ? '' : ` after "${after.text}"`;
    return this.fail(t, `expected a field or a value${where}, found ${describe(t)}`);
  }
}

type Getter = (record: Record<string, unknown>) => unknown;

function compileOperand(operand: Operand): Getter {
  if (operand.kind === 'literal') {
    const value = operand.value;
    return () => value;
  }
  const { path, segments } = operand;
  if (segments.length === 1) return (record) => (Object.hasOwn(record, path) ? record[path] : undefined);
  return (record) => {
    if (Object.hasOwn(record, path)) return record[path];
    let value: unknown = record;
    for (let i = 0; i < segments.length && value !== undefined; i++) value = getSegment(value, segments[i] as string);
    return value;
  };
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value) && !(typeof value === 'number' && Number.isNaN(value));
}

/** As truthy, but a cell that says false (`false`, `FALSE`) is false: in CSV every value is text. */
function truthyCell(value: unknown): boolean {
  return typeof value === 'string' && booleanOf(value) === false ? false : truthy(value);
}

/** Options of {@link compileFilter}. */
export interface FilterOptions {
  /**
   * Values are text cells (CSV): a bare field holding "false" in any case is false, as `== false` holds for it.
   * Elsewhere the string "false" is a non-empty string, and true (a JSON answer "false" is no boolean). @default false
   */
  textCells?: boolean;
}

function compileNode(node: Node, options: FilterOptions): RecordFilter {
  switch (node.kind) {
    case 'const': {
      const value = node.value;
      return () => value;
    }
    case 'and': {
      const left = compileNode(node.left, options);
      const right = compileNode(node.right, options);
      return (r) => left(r) && right(r);
    }
    case 'or': {
      const left = compileNode(node.left, options);
      const right = compileNode(node.right, options);
      return (r) => left(r) || right(r);
    }
    case 'not': {
      const expr = compileNode(node.expr, options);
      return (r) => !expr(r);
    }
    case 'truthy': {
      const get = compileOperand(node.operand);
      const test = options.textCells === true ? truthyCell : truthy;
      return (r) => test(get(r));
    }
    case 'compare': {
      // With a literal on one side (the usual case), put it on the right and parse its date once, here.
      const flip = node.left.kind === 'literal' && node.right.kind !== 'literal';
      const left = compileOperand(flip ? node.right : node.left);
      const rightOperand = flip ? node.left : node.right;
      const op = flip ? FLIPPED[node.op] : node.op;
      let compare: (r: Record<string, unknown>) => number;
      if (rightOperand.kind === 'literal') {
        const value = rightOperand.value;
        const instant = instantOf(value);
        compare = (r) => compareWithInstant(left(r), value, instant);
      } else {
        const right = compileOperand(rightOperand);
        compare = (r) => compareValues(left(r), right(r));
      }
      switch (op) {
        case '==':
          return (r) => compare(r) === 0;
        case '!=':
          return (r) => compare(r) !== 0;
        case '<':
          return (r) => compare(r) < 0;
        case '<=':
          return (r) => compare(r) <= 0;
        case '>':
          return (r) => compare(r) > 0;
        case '>=':
          return (r) => compare(r) >= 0;
      }
      break;
    }
    case 'in': {
      const left = compileOperand(node.left);
      const items = node.items;
      const instants = items.map(instantOf);
      return (r) => {
        const value = left(r);
        for (let i = 0; i < items.length; i++) if (compareWithInstant(value, items[i], instants[i]) === 0) return true;
        return false;
      };
    }
    case 'contains': {
      const left = compileOperand(node.left);
      const right = compileOperand(node.right);
      return (r) => {
        const haystack = left(r);
        const needle = right(r);
        if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
        if (Array.isArray(haystack)) {
          for (let i = 0; i < haystack.length; i++) if (compareValues(haystack[i], needle) === 0) return true;
        }
        return false;
      };
    }
  }
  throw new Error('unreachable filter node');
}

/**
 * Compiles a filter expression into a predicate over records, once; the predicate allocates nothing per record.
 *
 * The expression is tokenized and parsed into an AST (never `eval`, `Function` or SQL). Grammar: comparisons
 * `==  !=  <  <=  >  >=`, `field in [..]`, `field not in [..]`, `field contains "x"` and `not contains` (substring,
 * or an array element), `and` / `or` / `not` (also `&&`, `||`, `!`), parentheses, string (`"…"` or `'…'`), number, `true`,
 * `false`, `null` literals, and nested field paths (`meta.source`, `messages.0.role`, `` `odd name`.x ``). A bare
 * field is a condition that holds when its value is truthy (not missing, null, false, 0, "" or []).
 *
 * Comparison is typed (see {@link compareValues}): ISO-8601 dates compare as instants (no offset = UTC), numbers
 * numerically, also against numeric strings such as CSV cells; a missing field equals only `null`; values of
 * different kinds never satisfy `<`, `==` and the like, so `!=` holds for them.
 *
 * @throws ExportError `EXPORT_FILTER_INVALID` with the 1-based column of the problem and a caret under it.
 * @example
 * const keep = compileFilter('theme == "Umweltrecht" and created_at >= "2020-01-01" and importance >= 0.5');
 * keep({ theme: 'Umweltrecht', created_at: '2021-03-04T10:00:00Z', importance: '0.7' }); // true
 */
export function compileFilter(expression: string, options: FilterOptions = {}): RecordFilter {
  if (typeof expression !== 'string') {
    throw new ExportError('EXPORT_FILTER_INVALID', `Invalid filter expression: expected a string, got ${typeof expression}`);
  }
  if (expression.length > MAX_LENGTH) {
    throw new ExportError('EXPORT_FILTER_INVALID', `Invalid filter expression: longer than ${MAX_LENGTH} characters`);
  }
  const tokens = tokenize(expression);
  if (tokens.length === 1) fail(expression, 0, 'the expression is empty');
  return compileNode(new Parser(expression, tokens).parse(), options);
}
