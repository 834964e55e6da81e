import { isNode, LineCounter, parseDocument } from 'yaml';
import type { Issue } from './issue.js';

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** Characters V8 quotes on each side of an unexpected token (`...se_dora": False ...`). */
const V8_CONTEXT = 10;

/**
 * 1-based line of a `JSON.parse` error. V8 gives "at position N" for some errors; for an unexpected token (`False`,
 * a missing value) it quotes the text around it instead, which is found in the file; failing both, the yaml parser
 * in JSON mode locates a value JSON does not allow.
 */
export function jsonErrorLine(text: string, error: Error): number | undefined {
  const position = /position (\d+)/.exec(error.message);
  if (position?.[1] !== undefined) return lineOfOffset(text, Number(position[1]));
  const quoted = /^Unexpected token .*?, (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(error.message);
  if (quoted !== null) {
    const [, cutBefore, context = '', cutAfter] = quoted;
    const at = text.indexOf(context);
    // Cut before: the token is V8_CONTEXT characters into the quote; cut after only: the quote starts the text.
    if (cutBefore !== undefined && at >= 0 && text.indexOf(context, at + 1) < 0) return lineOfOffset(text, at + V8_CONTEXT);
    if (cutBefore === undefined && cutAfter !== undefined) return lineOfOffset(text, context.length - V8_CONTEXT);
  }
  const lineCounter = new LineCounter();
  const first = parseDocument(text, { schema: 'json', lineCounter, prettyErrors: false }).errors[0];
  return first === undefined ? undefined : lineCounter.linePos(first.pos[0]).line;
}

function segments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replaceAll('~1', '/').replaceAll('~0', '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

/**
 * Adds the source line to each issue. JSON is YAML 1.2, so the yaml parser's node ranges locate a JSON pointer
 * in the text; a missing field is reported on the line of its parent object.
 */
export function withLines(text: string, issues: readonly Issue[]): Issue[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return issues.map((issue) => {
    const path = segments(issue.path);
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        return { ...issue, line: lineCounter.linePos(node.range[0]).line };
      }
    }
    return { ...issue };
  });
}
