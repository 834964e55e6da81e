// Regenerates serve-config.schema.json from ServeConfigSchema (the zod source of truth). Run after
// `npx tsc -b packages/vllm-config/tsconfig.json`: node packages/vllm-config/scripts/write-json-schema.mjs
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ServeConfigSchema } from '../dist/index.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'serve-config.schema.json');
const text = `${JSON.stringify(z.toJSONSchema(ServeConfigSchema, { io: 'input' }), null, 2)}\n`;
const temp = `${target}.${process.pid}.tmp`;
await writeFile(temp, text);
await rename(temp, target);
console.log(`wrote ${target}`);
