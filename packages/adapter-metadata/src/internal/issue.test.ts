import { describe, expectTypeOf, it } from 'vitest';
import type { Issue as SchemaValidationIssue } from '@lorakit/schema-validation';
import type { Issue } from './issue.js';

describe('Issue', () => {
  it('is the same shape as @lorakit/schema-validation', () => {
    // Checked by the type check of the tests: a field added or changed on either side fails it.
    expectTypeOf<Issue>().toEqualTypeOf<SchemaValidationIssue>();
  });
});
