// Installed alone: compile a schema once, validate records, read the issues.
import { compileSchema, type Issue } from '@lorakit/schema-validation';
import { countCodePoints } from '@lorakit/schema-validation/count-code-points';

const validator = await compileSchema(
  {
    type: 'object',
    required: ['instruction', 'output'],
    properties: { instruction: { type: 'string' }, output: { type: 'string', minLength: 20 } },
  },
  { formats: 'assert' },
);
const ok = validator.validate({ instruction: 'Kündigungsfrist?', output: 'Drei Monate zum Monatsende (§ 573c BGB).' });
if (!ok.success) throw new Error(`valid record rejected: ${ok.issues.map((i) => i.message).join('; ')}`);
const bad = validator.validate({ instruction: 'x', output: 'kurz' });
if (bad.success) throw new Error('a too-short output was accepted');
const issue: Issue | undefined = bad.issues[0];
if (issue?.code !== 'too_small' || issue.path !== '/output') throw new Error(`unexpected issue ${JSON.stringify(issue)}`);
if (countCodePoints('Größe 👍') !== 7) throw new Error('count-code-points entry: wrong length');
console.log(`validate: ${issue.path}: ${issue.message}`);
