import { pathSegments } from './get-path.js';

/** A set of paths as a tree: `leaf` means the whole value at this node is named. */
interface PathTree {
  readonly full: ReadonlySet<string>;
  readonly children: Map<string, PathNode>;
}
interface PathNode {
  leaf: boolean;
  readonly children: Map<string, PathNode>;
}

// Keyed by the caller's array: the pipeline passes the same config arrays for every record.
const treeCache = new WeakMap<readonly string[], PathTree>();

function toTree(paths: readonly string[]): PathTree {
  let tree = treeCache.get(paths);
  if (tree !== undefined) return tree;
  const children = new Map<string, PathNode>();
  for (const path of paths) {
    let level = children;
    const segments = pathSegments(path);
    segments.forEach((segment, i) => {
      let node = level.get(segment);
      if (node === undefined) {
        node = { leaf: false, children: new Map() };
        level.set(segment, node);
      }
      if (i === segments.length - 1) node.leaf = true;
      level = node.children;
    });
  }
  tree = { full: new Set(paths), children };
  treeCache.set(paths, tree);
  return tree;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// `out[key] = v` with key '__proto__' (which JSON.parse creates as an own key) would replace the prototype instead.
function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function pick(value: Record<string, unknown>, level: Map<string, PathNode>, full?: ReadonlySet<string>) {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (full?.has(key)) {
      setKey(out, key, child);
      continue;
    }
    const node = level.get(key);
    if (node === undefined) continue;
    if (node.leaf) setKey(out, key, child);
    else if (isPlainObject(child)) {
      const picked = pick(child, node.children);
      if (Object.keys(picked).length > 0) setKey(out, key, picked);
    }
  }
  return out;
}

function omit(value: Record<string, unknown>, level: Map<string, PathNode>, full?: ReadonlySet<string>) {
  const keys = Object.keys(value);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const child = value[key];
    const node = level.get(key);
    let next: unknown = child;
    let drop = full?.has(key) === true;
    if (!drop && node !== undefined) {
      if (node.leaf) drop = true;
      else if (isPlainObject(child)) next = omit(child, node.children);
    }
    if (out === undefined && (drop || next !== child)) {
      // Copy on the first change only: a record that has none of the excluded paths is returned as it is.
      out = {};
      for (let j = 0; j < i; j++) setKey(out, keys[j] as string, value[keys[j] as string]);
    }
    if (out !== undefined && !drop) setKey(out, key, next);
  }
  return out ?? value;
}

/**
 * Keeps the `include` paths of a record and removes the `exclude` paths; exclude wins when both name a field.
 *
 * Paths are dotted (`meta.source`) and reach into nested plain objects; arrays are taken or dropped whole. A
 * top-level key containing dots (a CSV column `meta.source`) is matched by its full name, as {@link getPath} does.
 * Keys keep the record's order. An empty or missing `include` keeps every field. The input record is never
 * mutated; when nothing is removed the same object is returned.
 *
 * @example
 * selectFields({ id: 1, text: 'x', meta: { source: 'web', user: 'u1' } }, ['text', 'meta'], ['meta.user']);
 * // { text: 'x', meta: { source: 'web' } }
 */
export function selectFields(
  record: Record<string, unknown>,
  include?: readonly string[],
  exclude?: readonly string[],
): Record<string, unknown> {
  let out = record;
  if (include !== undefined && include.length > 0) {
    const tree = toTree(include);
    out = pick(out, tree.children, tree.full);
  }
  if (exclude !== undefined && exclude.length > 0) {
    const tree = toTree(exclude);
    out = omit(out, tree.children, tree.full);
  }
  return out;
}
