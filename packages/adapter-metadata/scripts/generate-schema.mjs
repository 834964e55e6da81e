// Regenerates src/adapter-metadata.schema.json from the zod model. Run after building the package:
//   npx tsc -b packages/adapter-metadata/tsconfig.json && node packages/adapter-metadata/scripts/generate-schema.mjs
// The stale-schema test (src/adapter-metadata-schema.test.ts) fails until the committed copy matches.
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { adapterMetadataJsonSchemaText } from '../dist/internal/json-schema.js';

const target = fileURLToPath(new URL('../src/adapter-metadata.schema.json', import.meta.url));
const temp = `${target}.${process.pid}.tmp`;
await writeFile(temp, adapterMetadataJsonSchemaText());
await rename(temp, target);
console.log(`wrote ${target}`);
