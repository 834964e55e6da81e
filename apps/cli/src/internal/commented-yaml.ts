import { unwrapSchema, type ZodLike } from './config-flags.js';

/** The zod description of the key at `path` in an object schema (through defaults, optionals and unions). */
export function describeKey(schema: unknown, path: readonly string[]): string | undefined {
  let node = schema as ZodLike;
  let description: string | undefined;
  for (const key of path) {
    const { inner } = unwrapSchema(node);
    const def = inner._zod.def;
    const shapes =
      def.type === 'object'
        ? [def['shape'] as Record<string, ZodLike>]
        : def.type === 'union'
          ? (def['options'] as ZodLike[]).map((o) => unwrapSchema(o).inner._zod.def['shape'] as Record<string, ZodLike> | undefined)
          : [];
    const child = shapes.find((s) => s?.[key] !== undefined)?.[key];
    if (child === undefined) return undefined;
    node = child;
    description = unwrapSchema(child).description;
  }
  return description;
}

/**
 * YAML text of `value` with each key's schema description as a comment above it, so a generated config explains
 * itself. Uses the yaml package's document model, which keeps comments attached to their keys.
 */
export async function toCommentedYaml(value: Record<string, unknown>, schema: unknown, header: string): Promise<string> {
  const YAML = await import('yaml');
  const doc = new YAML.Document(value);
  const visit = (node: unknown, path: string[]) => {
    if (!YAML.isMap(node)) return;
    for (const pair of node.items) {
      if (!YAML.isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const text = describeKey(schema, [...path, key]);
      if (text !== undefined) pair.key.commentBefore = ` ${text}`;
      visit(pair.value, [...path, key]);
    }
  };
  visit(doc.contents, []);
  doc.commentBefore = header
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  return doc.toString({ lineWidth: 120 });
}
