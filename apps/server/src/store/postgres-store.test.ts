import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../../../../tools/test-env.mjs';
import { auth, startTestServer } from '../../test/helpers.js';
import { meta } from '../../test/metadata.js';
import { testRegistryStore } from '../../test/registry-store-contract.js';
import { createPostgresStore } from './postgres-store.js';

const url = postgresUrl();
// One schema per test run so parallel runs never see each other's rows; dropped at the end.
const schema = `lorakit_test_${randomBytes(6).toString('hex')}`;
const serverSchema = `${schema}_srv`;

describe.skipIf(url === undefined)('postgres store', () => {
  afterAll(async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${serverSchema}" CASCADE`);
    await client.end();
  });

  testRegistryStore('postgres', () => createPostgresStore({ connectionString: url ?? '', schema }));

  it('serves the registry from PostgreSQL through the HTTP routes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-pg-server-'));
    const store = await createPostgresStore({ connectionString: url ?? '', schema: serverSchema });
    await store.migrate();
    const t = await startTestServer({}, { dataDir, store });
    try {
      const created = await t.app.inject({ method: 'POST', url: '/v1/adapters', headers: auth('admin'), payload: meta('pg-qa', '1.0.0', { domain: 'law' }) });
      expect(created.statusCode).toBe(201);
      const again = await t.app.inject({ method: 'POST', url: '/v1/adapters', headers: auth('admin'), payload: meta('pg-qa', '1.0.0') });
      expect(again.statusCode).toBe(409);
      const list = (await t.app.inject({ url: '/v1/adapters?domain=law', headers: auth('read') })).json();
      expect(list.items.map((a: { id: string }) => a.id)).toEqual(['pg-qa']);
      expect(list.items[0].metadata.base_model.name).toBe('Qwen/Qwen2.5-7B-Instruct');
      expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', store: 'postgres' });
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
