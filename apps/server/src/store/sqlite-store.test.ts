import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testRegistryStore } from '../../test/registry-store-contract.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'lorakit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

testRegistryStore('sqlite', () => createSqliteStore({ file: join(dir, 'contract.db') }));

describe('createSqliteStore', () => {
  it('keeps data across reopen and re-migration of the same file', async () => {
    const file = join(dir, 'nested', 'reopen.db');
    const first = await createSqliteStore({ file });
    await first.migrate();
    await first.insertAdapter({
      id: 'a', version: '1.0.0', domain: null, baseModel: null, task: null, metadata: {}, createdBy: 'x',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await first.close();
    const second = await createSqliteStore({ file });
    await second.migrate();
    expect((await second.listAdapterVersions('a')).length).toBe(1);
    await second.close();
  });
});
