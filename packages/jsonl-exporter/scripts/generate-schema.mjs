// Regenerates src/export-config.schema.json from the zod config. Run after building the package:
//   npx tsc -b packages/jsonl-exporter/tsconfig.json && node packages/jsonl-exporter/scripts/generate-schema.mjs
// The stale-schema test (src/export-config.test.ts) fails until the committed copy matches.
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { exportConfigJsonSchemaText } from '../dist/internal/json-schema.js';

const target = fileURLToPath(new URL('../src/export-config.schema.json', import.meta.url));
const temp = `${target}.${process.pid}.tmp`;
await writeFile(temp, exportConfigJsonSchemaText());
await rename(temp, target);
console.log(`wrote ${target}`);
