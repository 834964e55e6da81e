import { z } from 'zod';
import { ExportConfigSchema } from '../export-config.js';

/** JSON Schema (draft 2020-12) of what users write in lorakit.yaml: the input side, defaults shown. */
export function exportConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ExportConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** The committed file's text. */
export function exportConfigJsonSchemaText(): string {
  return `${JSON.stringify(exportConfigJsonSchema(), null, 2)}\n`;
}
