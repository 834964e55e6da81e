import type { Issue } from './issue.js';

/** Formats issues as `file:line: path: message` lines for an error message. */
export function formatIssues(issues: readonly Issue[], file?: string): string {
  return issues
    .map((issue) => {
      const where = [file, issue.line].filter((part) => part !== undefined).join(':');
      const path = issue.path === '' ? '(root)' : issue.path;
      return `${where === '' ? '' : `${where}: `}${path}: ${issue.message}`;
    })
    .join('\n');
}
