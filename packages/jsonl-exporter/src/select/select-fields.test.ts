import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getPath } from './get-path.js';
import { selectFields } from './select-fields.js';

describe('getPath', () => {
  it('reads nested objects and array indexes, undefined when a step is missing', () => {
    const record = { meta: { source: 'web' }, messages: [{ role: 'user' }], n: 0 };
    expect(getPath(record, 'meta.source')).toBe('web');
    expect(getPath(record, 'messages.0.role')).toBe('user');
    expect(getPath(record, 'messages.1.role')).toBeUndefined();
    expect(getPath(record, 'messages.01.role')).toBeUndefined();
    expect(getPath(record, 'n.x')).toBeUndefined();
    expect(getPath(record, 'n')).toBe(0);
    expect(getPath(null, 'a')).toBeUndefined();
  });

  it('prefers a flat key spelled with dots, and never reads the prototype', () => {
    expect(getPath({ 'meta.source': 'flat', meta: { source: 'nested' } }, 'meta.source')).toBe('flat');
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({}, '__proto__')).toBeUndefined();
    expect(getPath({ a: [] }, 'a.length')).toBeUndefined();
  });
});

describe('selectFields', () => {
  const record = { id: 1, text: 'x', meta: { source: 'web', user: 'u1', deep: { a: 1, b: 2 } }, tags: ['a'] };

  it('keeps included paths, nested ones too, in the record\'s key order', () => {
    expect(selectFields(record, ['meta.source', 'id'])).toEqual({ id: 1, meta: { source: 'web' } });
    expect(Object.keys(selectFields(record, ['tags', 'text', 'id']))).toEqual(['id', 'text', 'tags']);
    expect(selectFields(record, ['meta.deep.b'])).toEqual({ meta: { deep: { b: 2 } } });
    expect(selectFields(record, ['missing'])).toEqual({});
  });

  it('removes excluded paths, and exclude wins over include', () => {
    expect(selectFields(record, undefined, ['meta.user', 'tags'])).toEqual({
      id: 1,
      text: 'x',
      meta: { source: 'web', deep: { a: 1, b: 2 } },
    });
    expect(selectFields(record, ['meta'], ['meta.user', 'meta.deep.a'])).toEqual({ meta: { source: 'web', deep: { b: 2 } } });
    expect(selectFields(record, ['text'], ['text'])).toEqual({});
  });

  it('never mutates the input, and returns it as is when nothing changes', () => {
    const copy = structuredClone(record);
    selectFields(record, ['meta.source'], ['meta.deep.a']);
    selectFields(record, undefined, ['meta.user']);
    expect(record).toEqual(copy);
    expect(selectFields(record, undefined, ['absent.path'])).toBe(record);
    expect(selectFields(record)).toBe(record);
    expect(selectFields(record, [], [])).toBe(record);
  });

  it('matches flat keys spelled with dots by their full name', () => {
    expect(selectFields({ 'meta.source': 'a', other: 1 }, ['meta.source'])).toEqual({ 'meta.source': 'a' });
    expect(selectFields({ 'meta.source': 'a', other: 1 }, undefined, ['meta.source'])).toEqual({ other: 1 });
  });

  it('keeps a "__proto__" key as data, never as a prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const out = selectFields(parsed, ['__proto__', 'a'], ['a']);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('include then exclude equals picking the included paths that are not excluded (property)', () => {
    const keys = fc.constantFrom('a', 'b', 'c');
    const record = fc.dictionary(keys, fc.oneof(fc.integer(), fc.dictionary(keys, fc.integer())));
    const path = fc.oneof(keys, fc.tuple(keys, keys).map(([x, y]) => `${x}.${y}`));
    fc.assert(
      fc.property(record, fc.array(path, { maxLength: 4 }), fc.array(path, { maxLength: 4 }), (r, include, exclude) => {
        const out = selectFields(r, include, exclude);
        for (const p of exclude) expect(getPath(out, p)).toBeUndefined();
        if (include.length > 0) {
          for (const p of include) {
            const excluded = exclude.some((e) => p === e || p.startsWith(`${e}.`));
            if (!excluded && typeof getPath(r, p) !== 'object') expect(getPath(out, p)).toEqual(getPath(r, p));
          }
        }
      }),
    );
  });
});
