import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource } from './open-source.js';
import type { SourceItem } from './source.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parquet source values', () => {
  it('writes NaN and ±Infinity as the text PostgreSQL writes, in columns and inside lists, not as null', async () => {
    parquetWriteFile({
      filename: join(dir, 'floats.parquet'),
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'f', type: 'FLOAT', repetition_type: 'OPTIONAL' },
        { name: 'v', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      ],
      columnData: [
        { name: 'x', data: [Number.NaN, Infinity, -Infinity, 0.5] },
        { name: 'f', data: [-Infinity, Number.NaN, 0.25, null] },
        { name: 'v', data: [[Number.NaN, 1], [Infinity, -Infinity], [], null] },
      ],
    });
    const source = await openSource({ type: 'parquet', path: 'floats.parquet' }, { cwd: dir });
    const items: SourceItem[] = [];
    try {
      for await (const item of source.items()) items.push(item);
    } finally {
      await source.close();
    }
    // Before: every one of these non-finite values became null in the output.
    expect(items.map((item) => JSON.stringify(item.record))).toEqual([
      '{"x":"NaN","f":"-Infinity","v":["NaN",1]}',
      '{"x":"Infinity","f":"NaN","v":["Infinity","-Infinity"]}',
      '{"x":"-Infinity","f":0.25,"v":[]}',
      '{"x":0.5,"f":null,"v":null}',
    ]);
  });
});
