import { z } from 'zod';
import { AdapterMetadataSchema } from '../adapter-metadata-schema.js';

/**
 * The JSON Schema (draft 2020-12) of adapter_metadata.json, generated from the zod model. `io: 'input'` because
 * the schema describes files people write, where defaulted fields may be left out.
 */
export function adapterMetadataJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AdapterMetadataSchema, { target: 'draft-2020-12', io: 'input' }),
    title: 'LoRA adapter metadata (adapter_metadata.json)',
  };
}

/** The committed file's exact text: 2-space JSON with a final newline. */
export function adapterMetadataJsonSchemaText(): string {
  return `${JSON.stringify(adapterMetadataJsonSchema(), null, 2)}\n`;
}
