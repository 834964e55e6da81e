import type { z } from 'zod';
import type { Issue } from './issue.js';

/** RFC 6901 JSON pointer of a zod path. */
export function toPointer(path: readonly PropertyKey[]): string {
  let pointer = '';
  for (const segment of path) {
    pointer += '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
  }
  return pointer;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function codeOf(issue: z.core.$ZodIssue, missing: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'required' : 'invalid_type';
    case 'too_big':
    case 'too_small':
      return issue.code;
    case 'invalid_format':
      return issue.format === 'regex' ? 'pattern' : 'format';
    case 'invalid_value':
      return issue.values.length === 1 ? 'const' : 'enum';
    case 'unrecognized_keys':
      return 'additional_property';
    case 'invalid_union':
      return 'combinator';
    case 'custom':
      return typeof issue.params?.['code'] === 'string' ? issue.params['code'] : 'other';
    default:
      return 'other';
  }
}

/** Maps zod issues to the workspace `Issue` shape; `input` tells a missing field from a wrong one. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], input: unknown): Issue[] {
  return issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    const path = toPointer(issue.path);
    const message = missing ? `is required (${issue.message.replace(/, received undefined$/, '')})` : issue.message;
    return { code: codeOf(issue, missing), path, message, keyword: issue.code };
  });
}
