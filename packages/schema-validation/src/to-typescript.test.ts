import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadPeer } from './internal/load-peer.js';
import { toTypeScript } from './to-typescript.js';

/** Type-checks `source` with `tsc --noEmit --strict`; resolves to tsc's output, empty when it compiles. */
async function typeCheck(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lorakit-to-typescript-'));
  try {
    await writeFile(join(dir, 'check.ts'), source);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', join(dir, 'check.ts')];
    // Run in the temporary directory so tsc picks up no tsconfig.json of the workspace.
    return await promisify(execFile)(process.execPath, args, { cwd: dir }).then(
      (r) => r.stdout,
      (error: { stdout: string }) => error.stdout,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('toTypeScript', () => {
  it('declares an interface with required and optional fields, enums and local $refs', async () => {
    const source = await toTypeScript(
      {
        type: 'object',
        required: ['output'],
        properties: {
          output: { type: 'string' },
          lang: { enum: ['de', 'en'] },
          turns: { type: 'array', items: { $ref: '#/$defs/turn' } },
        },
        $defs: { turn: { type: 'object', required: ['role'], properties: { role: { const: 'user' } } } },
      },
      { name: 'TrainingRecord' },
    );
    expect(source).toContain('export interface TrainingRecord');
    expect(source).toMatch(/output: string;/);
    expect(source).toMatch(/lang\?: "de" \| "en";/);
    expect(source).toMatch(/role: "user";/);
    expect(source).not.toMatch(/\[k: string\]/);
  });

  it('turns prefixItems into TS tuples and resolves $refs to a $anchor', async () => {
    const source = await toTypeScript(
      {
        type: 'object',
        required: ['tuple', 'open', 'rest', 'item'],
        properties: {
          tuple: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
          open: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
          rest: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'boolean' } },
          item: { $ref: '#item' },
        },
        $defs: { item: { $anchor: 'item', type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } },
      },
      { name: 'Row' },
    );
    const usage = `${source}
const row: Row = { tuple: ['a', 1], open: ['a', 1, null, {}], rest: ['a', true, false], item: { id: 1 } };
// @ts-expect-error a closed tuple takes no third item
const closed: Row['tuple'] = ['a', 1, 2];
// @ts-expect-error items after the prefix must be booleans
const rest: Row['rest'] = ['a', 1];
// @ts-expect-error the tuple's second item is a number
const swapped: Row['tuple'] = [1, 'a'];
export { row, closed, rest, swapped };
`;
    expect(await typeCheck(usage)).toBe('');
  }, 60_000);

  it('follows JSON-pointer $refs into a tuple to where the rewrite puts its items', async () => {
    const source = await toTypeScript(
      {
        type: 'object',
        required: ['pair', 'first', 'extra'],
        properties: {
          pair: { $ref: '#/$defs/pair' },
          first: { $ref: '#/$defs/pair/prefixItems/0' },
          extra: { $ref: '#/$defs/pair/items' },
        },
        $defs: { pair: { type: 'array', prefixItems: [{ type: 'string', enum: ['a', 'b'] }, { type: 'number' }], items: { type: 'boolean' } } },
      },
      { name: 'Row' },
    );
    const usage = `${source}
const row: Row = { pair: ['a', 1, true], first: 'b', extra: false };
// @ts-expect-error first is the tuple's first item, "a" or "b"
const first: Row['first'] = 'c';
// @ts-expect-error extra is the tuple's rest item, a boolean
const extra: Row['extra'] = 1;
export { row, first, extra };
`;
    expect(await typeCheck(usage)).toBe('');
  }, 60_000);

  it('resolves $refs inside an embedded $id resource against that resource, not the document root', async () => {
    const source = await toTypeScript({
      $id: 'https://ex.com/root.json',
      title: 'Root',
      type: 'object',
      required: ['name', 'sub', 'viaUri', 'odd'],
      properties: {
        name: { $ref: '#/$defs/t' },
        sub: {
          $id: 'sub.json',
          $defs: { t: { type: 'integer' } },
          type: 'object',
          required: ['v'],
          properties: { v: { $ref: '#/$defs/t' } },
        },
        viaUri: { $ref: 'sub.json#/$defs/t' },
        odd: { $ref: '#/$defs/a%20b%25' },
      },
      $defs: { t: { type: 'string' }, 'a b%': { enum: ['x'] } },
    });
    const usage = `${source}
const root: Root = { name: 'n', sub: { v: 1 }, viaUri: 2, odd: 'x' };
// @ts-expect-error v is sub.json's t, an integer
const v: Root['sub']['v'] = 'n';
// @ts-expect-error viaUri is sub.json's t too
const viaUri: Root['viaUri'] = 'n';
// @ts-expect-error name is the root's t, a string
const name: Root['name'] = 1;
export { root, v, viaUri, name };
`;
    expect(await typeCheck(usage)).toBe('');
  }, 60_000);

  it('names the root type after the name option, not its $id; the title still wins', async () => {
    const schema = {
      $id: 'https://ex.com/record.json',
      type: 'object',
      properties: { a: { $ref: 'https://ex.com/record.json#/$defs/a' } },
      $defs: { a: { type: 'string' } },
    };
    const named = await toTypeScript(schema, { name: 'TrainingRecord' });
    expect(named).toContain('export interface TrainingRecord {');
    expect(named).toMatch(/a\?: A;/);
    expect(await toTypeScript({ ...schema, title: 'Titled' }, { name: 'TrainingRecord' })).toContain('export interface Titled {');
  });

  it('declares true as unknown and false or an unsatisfiable schema as never', async () => {
    const sources = await Promise.all([
      toTypeScript(true, { name: 'Anything' }),
      toTypeScript(false, { name: 'Nothing' }),
      toTypeScript({ not: {} }, { name: 'NotAnything' }),
      toTypeScript({ type: 'object', properties: { any: true, none: false, never: { not: true } } }, { name: 'Row' }),
    ]);
    const usage = `${sources.join('\n')}
const anything: Anything = null;
const row: Row = { any: null };
// @ts-expect-error nothing satisfies false
const nothing: Nothing = {};
// @ts-expect-error nothing satisfies not: {}
const notAnything: NotAnything = {};
// @ts-expect-error nothing satisfies not: true
const never: Row['never'] = {};
export { anything, row, nothing, notAnything, never };
`;
    expect(await typeCheck(usage)).toBe('');
  }, 60_000);

  it('types what allows any value as unknown anywhere, and a $ref with siblings as both', async () => {
    const sources = await Promise.all([
      // Before: an empty string for the first two, a crash ("Invalid value used as weak map key") for the third.
      toTypeScript({ anyOf: [{ type: 'number' }, {}] }, { name: 'NumberOrAny' }),
      toTypeScript({ allOf: [true] }, { name: 'AllOfTrue' }),
      toTypeScript({ type: 'object', properties: { gone: { $ref: '#/$defs/no' } }, $defs: { no: false } }, { name: 'Gone' }),
      // Before: `{[k: string]: unknown} & string`, which no string satisfies; items and properties as objects too.
      toTypeScript({ type: 'string', anyOf: [{ format: 'email' }, { format: 'uri' }] }, { name: 'Address' }),
      toTypeScript({ type: 'object', properties: { n: { minimum: 3 }, list: { type: 'array', items: { description: 'anything' } } } }, { name: 'Loose' }),
      // Before: the target's required `bar` was replaced by the sibling properties.
      toTypeScript(
        { $ref: '#/$defs/bar', properties: { foo: { type: 'string' } }, $defs: { bar: { type: 'object', properties: { bar: { type: 'string' } }, required: ['bar'] } } },
        { name: 'Both' },
      ),
      // Before: "names nothing in the schema" for a draft-07 $id anchor; "Refs should have been resolved" for a $ref
      // into a resource that has a $ref and $defs of its own.
      toTypeScript({ definitions: { a: { $id: '#count', type: 'integer' } }, properties: { n: { $ref: '#count' } } }, { name: 'Counted' }),
      toTypeScript({ properties: { x: { $ref: 'a.json' } }, $defs: { a: { $id: 'a.json', $ref: '#/$defs/b', $defs: { b: { type: 'string' } } } } }, { name: 'Nested' }),
    ]);
    expect(sources.every((source) => source.trim() !== '')).toBe(true);
    const usage = `${sources.join('\n')}
export const values: [NumberOrAny, NumberOrAny, AllOfTrue, Gone, Address, Loose, Both, Counted, Nested] = [
  1, 'any', null, {}, 'a@b.de', { n: 'three', list: [1, 'two'] }, { bar: 'b', foo: 'f' }, { n: 3 }, { x: 'text' },
];
// @ts-expect-error gone may not be present
export const gone: Gone = { gone: 1 };
// @ts-expect-error bar is required by the target of the $ref
export const noBar: Both = { foo: 'f' };
// @ts-expect-error n is an integer
export const counted: Counted = { n: 'three' };
`;
    expect(await typeCheck(usage)).toBe('');
    await expect(toTypeScript({ properties: { a: { $ref: 'other.json#/x' } } })).rejects.toMatchObject({
      code: 'SCHEMA_REF_NOT_FOUND',
      message: expect.stringContaining('names another document, which is never fetched') as unknown,
    });
  }, 60_000);

  it('names a $ref to an anchor the schema does not have', async () => {
    await expect(toTypeScript({ properties: { a: { $ref: '#nowhere' } } })).rejects.toMatchObject({
      code: 'SCHEMA_REF_NOT_FOUND',
      message: expect.stringContaining('"#nowhere" at #/properties/a/$ref') as unknown,
    });
  });

  it('names the package to install when an optional peer is missing', async () => {
    await expect(loadPeer('lorakit-no-such-package', 'toTypeScript', '^1')).rejects.toMatchObject({
      code: 'SCHEMA_DEPENDENCY_MISSING',
      message: expect.stringContaining('npm install lorakit-no-such-package@^1') as unknown,
    });
  });
});
