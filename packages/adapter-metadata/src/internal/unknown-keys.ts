import type { z } from 'zod';
import type { Issue } from './issue.js';
import { isPlainObject } from './json.js';

type AnySchema = z.core.$ZodType;

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable')
      && def.innerType !== undefined) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in !== undefined) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** Warnings for keys the schema does not declare (kept in the data, since the objects are loose). */
export function unknownKeyWarnings(schema: AnySchema, value: unknown, pointer = ''): Issue[] {
  const inner = unwrap(schema);
  const def = inner._zod.def as { type: string; shape?: Record<string, AnySchema>; element?: AnySchema };
  const warnings: Issue[] = [];
  if (def.type === 'object' && def.shape !== undefined && isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const path = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      const childSchema = def.shape[key];
      if (childSchema === undefined) {
        warnings.push({ code: 'unknown_key', path, message: `"${key}" is not a field of the metadata model; it is kept as is (check the spelling)` });
      } else {
        warnings.push(...unknownKeyWarnings(childSchema, child, path));
      }
    }
  } else if (def.type === 'array' && def.element !== undefined && Array.isArray(value)) {
    value.forEach((item, i) => warnings.push(...unknownKeyWarnings(def.element as AnySchema, item, `${pointer}/${i}`)));
  }
  return warnings;
}
