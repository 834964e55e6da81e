import { z } from 'zod';
import { ExportConfigSchema } from '../export-config.js';

/**
 * JSON Schema (draft 2020-12) of what users write in lorakit.yaml: the input side, defaults shown. A file must name
 * its source, which the library's schema leaves out for exportRecords.
 */
export function exportConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ExportConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, required: ['source', ...((schema['required'] as string[] | undefined) ?? [])] };
}

/** The committed file's text. */
export function exportConfigJsonSchemaText(): string {
  return `${JSON.stringify(exportConfigJsonSchema(), null, 2)}\n`;
}
