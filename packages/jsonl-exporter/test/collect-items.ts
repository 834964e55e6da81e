import type { Source, SourceItem } from '../src/sources/source.js';

/** Every item of one pass over `source`, which is closed afterwards. */
export async function collectItems(source: Source): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  try {
    for await (const item of source.items()) items.push(item);
  } finally {
    await source.close();
  }
  return items;
}
