import { isNode, LineCounter, parseDocument } from 'yaml';
import type { Issue } from './issue.js';

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** 1-based line of a `JSON.parse` error, read from the "at position N" V8 puts in its message. */
export function jsonErrorLine(text: string, error: Error): number | undefined {
  const match = /position (\d+)/.exec(error.message);
  return match?.[1] === undefined ? undefined : lineOfOffset(text, Number(match[1]));
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
