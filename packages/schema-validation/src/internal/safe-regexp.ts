import { RE2JS } from 're2js';
import { SchemaValidationError } from '../errors.js';
import { isLinearForBacktracking } from './linear-regexp.js';

/** What both engines need from a compiled pattern. */
export interface RegExpLike {
  test(input: string): boolean;
}

// JavaScript's \s (the spec's regex dialect) covers Unicode spaces; RE2's \s is ASCII only.
const JS_SPACE =
  '\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

/**
 * Rewrites the ECMA-262 syntax RE2 reads differently (`\uXXXX`, `\u{X}`, Unicode `\s`, `.`). Returns undefined when
 * the pattern uses something the rewrite cannot express, so the caller falls back to the native engine.
 */
function toRe2Syntax(pattern: string): string | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      if (next === 'u') {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(pattern.slice(i + 2, i + 11));
        if (braced?.[1] !== undefined) {
          out += `\\x{${braced[1]}}`;
          i += 1 + braced[0].length;
          continue;
        }
        const hex = pattern.slice(i + 2, i + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += `\\x{${hex}}`;
          i += 5;
          continue;
        }
        return undefined;
      }
      if (next === 's') {
        out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
        i += 1;
        continue;
      }
      if (next === 'S') {
        if (inClass) return undefined;
        out += `[^${JS_SPACE}]`;
        i += 1;
        continue;
      }
      if (next === 'c' || next === 'k' || /[1-9]/.test(next)) return undefined;
      out += ch + next;
      i += 1;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '.') {
      // ECMA-262's `.` (no `s` flag) stops at every line terminator; RE2's only at \n.
      out += DOT;
      continue;
    } else if (ch === '[') {
      inClass = true;
      // JavaScript allows a leading ']' to close an empty class; RE2 reads it as a literal.
      if (pattern[i + 1] === ']' || pattern.startsWith('^]', i + 1)) return undefined;
    }
    out += ch;
  }
  return out;
}

/**
 * True when a backtracking engine cannot go exponential on this pattern: no backreferences, and no quantified
 * group that itself contains a quantifier or an alternation (the shape of `(a+)+`, `(a|aa)*`).
 */
export function isBacktrackingSafe(pattern: string): boolean {
  if (/\\[1-9]|\\k</.test(pattern)) return false;
  const stack: { risky: boolean }[] = [];
  let risky = false;
  let lastClosedRisky = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i += 1;
      lastClosedRisky = false;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    switch (ch) {
      case '[':
        inClass = true;
        lastClosedRisky = false;
        break;
      case '(':
        stack.push({ risky });
        risky = false;
        lastClosedRisky = false;
        break;
      case ')': {
        const inner: boolean = risky;
        const outer = stack.pop();
        risky = (outer?.risky ?? false) || inner;
        lastClosedRisky = inner;
        break;
      }
      case '|':
        risky = true;
        lastClosedRisky = false;
        break;
      case '*':
      case '+':
      case '?':
      case '{':
        if (ch === '?' && (pattern[i - 1] === '(' || pattern[i - 1] === '*' || pattern[i - 1] === '+')) break;
        if (lastClosedRisky && ch !== '?') return false;
        risky = true;
        lastClosedRisky = false;
        break;
      default:
        lastClosedRisky = false;
    }
  }
  return true;
}

const cache = new Map<string, RegExpLike>();

/**
 * Compiles a schema `pattern` so that no input can make matching hang: the native engine when
 * {@link isLinearForBacktracking} proves it linear (anchored, deterministic patterns: the usual `^[a-z]+(-[a-z]+)*$`
 * shapes, and several times faster than re2js); else RE2 (re2js, linear time) for every pattern it can express;
 * else, for what RE2 cannot express (lookaround, backreferences), the native engine only when
 * {@link isBacktrackingSafe} rules out exponential blow-up; otherwise `SCHEMA_UNSAFE_PATTERN`.
 */
export function compileSafePattern(pattern: string, where = 'pattern'): RegExpLike {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let native: RegExp;
  try {
    native = new RegExp(pattern, 'u');
  } catch (cause) {
    throw new SchemaValidationError(
      'SCHEMA_INVALID',
      `${where}: "${pattern}" is not a valid regular expression: ${(cause as Error).message}`,
      { cause },
    );
  }
  let compiled: RegExpLike | undefined = isLinearForBacktracking(pattern) ? native : undefined;
  const re2Source = compiled === undefined ? toRe2Syntax(pattern) : undefined;
  if (re2Source !== undefined) {
    try {
      compiled = RE2JS.compile(re2Source);
    } catch {
      compiled = undefined;
    }
  }
  if (compiled === undefined) {
    if (!isBacktrackingSafe(pattern)) {
      throw new SchemaValidationError(
        'SCHEMA_UNSAFE_PATTERN',
        `${where}: "${pattern}" needs a backtracking regex engine (lookaround or backreference) and can take ` +
          'exponential time on some inputs (a quantified group containing a quantifier or alternation); ' +
          'rewrite it without nested quantifiers',
      );
    }
    compiled = native;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}
