/** A part of a `format.custom` template: literal text, or a record path in `{{…}}`. */
export type TemplatePart = { literal: string } | { path: string };

const PLACEHOLDER_RE = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** The parts of a template (`"{{question}}\n\n{{context}}"`), or undefined for a plain record path. */
export function compileTemplate(source: string): TemplatePart[] | undefined {
  if (!source.includes('{{')) return undefined;
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER_RE)) {
    if (m.index > last) parts.push({ literal: source.slice(last, m.index) });
    parts.push({ path: m[1] as string });
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  return parts;
}

/** Whether a template leaves a placeholder open (`{{question`), which would be written literally into every line. */
export function hasOpenPlaceholder(source: string): boolean {
  return /\{\{|\}\}/.test(source.replace(PLACEHOLDER_RE, ''));
}
