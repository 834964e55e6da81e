import type { Pool, PoolClient } from 'pg';
import type PgModule from 'pg';
import { ServerError } from '../errors.js';
import { oneAtATime } from '../internal/one-at-a-time.js';
import { JOB_COLUMNS, JSON_FIELDS } from './registry-store.js';
import type { AdapterQuery, AdapterRecord, JobPatch, JobRecord, JobStatus, RegistryStore } from './registry-store.js';
import { versionSortKey } from './version-key.js';

// Each entry runs once, in order, inside one transaction with its version row; never edit a shipped entry.
const MIGRATIONS: readonly (string | ((client: PoolClient) => Promise<void>))[] = [
  `CREATE TABLE adapters (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     id TEXT NOT NULL, version TEXT NOT NULL,
     domain TEXT, base_model TEXT, task TEXT,
     metadata JSONB NOT NULL, created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL,
     UNIQUE (id, version));
   CREATE INDEX adapters_domain ON adapters (domain);
   CREATE INDEX adapters_base_model ON adapters (base_model);
   CREATE INDEX adapters_task ON adapters (task);
   CREATE FUNCTION lorakit_adapters_immutable() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'registered adapter versions are immutable'; END $$;
   CREATE TRIGGER adapters_immutable BEFORE UPDATE ON adapters
     FOR EACH ROW EXECUTE FUNCTION lorakit_adapters_immutable();
   CREATE TABLE jobs (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, source TEXT NOT NULL, config JSONB NOT NULL,
     progress JSONB, stats JSONB, quality JSONB, files JSONB NOT NULL, error JSONB,
     created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ);
   CREATE INDEX jobs_status ON jobs (status);`,
  // "Latest" is the highest semantic version, which text order of `version` is not (1.0.10 < 1.0.9). COLLATE "C":
  // the key is ordered byte by byte, whatever the database's collation.
  async (client) => {
    await client.query(`ALTER TABLE adapters ADD COLUMN version_key TEXT COLLATE "C" NOT NULL DEFAULT '';
                        CREATE INDEX adapters_latest ON adapters (id, version_key);
                        ALTER TABLE adapters DISABLE TRIGGER adapters_immutable`);
    const { rows } = await client.query<{ seq: string; version: string }>('SELECT seq, version FROM adapters');
    for (const row of rows) {
      await client.query('UPDATE adapters SET version_key = $1 WHERE seq = $2', [versionSortKey(row.version), row.seq]);
    }
    await client.query('ALTER TABLE adapters ENABLE TRIGGER adapters_immutable');
  },
  // NULL for versions registered before: whether their hyper-parameters were given is unknown.
  `ALTER TABLE adapters ADD COLUMN training_defaults JSONB;`,
  // A server of the first release, still running during a rolling upgrade, inserts rows without version_key (so
  // ''); the one update allowed lets the next server fill it in. Comparing whole rows covers columns added later.
  `CREATE OR REPLACE FUNCTION lorakit_adapters_immutable() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN
       IF OLD.version_key = '' AND NEW.version_key <> ''
          AND to_jsonb(NEW) - 'version_key' = to_jsonb(OLD) - 'version_key' THEN
         RETURN NEW;
       END IF;
       RAISE EXCEPTION 'registered adapter versions are immutable';
     END $$;
   CREATE INDEX adapters_unkeyed ON adapters (seq) WHERE version_key = '';`,
];

// The latest version of an adapter: its highest release (a release's key ends in "~", see versionSortKey), or its
// highest pre-release when it has no release, as npm's `latest` and semver's maxSatisfying('*') do. Equal precedence
// (build metadata only) goes to the later one.
const LATEST_ORDER = "version_key LIKE '%~' DESC, version_key DESC, seq DESC";
const LATEST = `SELECT DISTINCT ON (id) seq FROM adapters ORDER BY id, ${LATEST_ORDER}`;

// Fills in version_key of rows an older server inserted without it; a non-semantic version keeps ''.
async function keyUnkeyedVersions(db: Pool | PoolClient): Promise<void> {
  const { rows } = await db.query<{ seq: string; version: string }>(`SELECT seq, version FROM adapters WHERE version_key = ''`);
  for (const row of rows) {
    const key = versionSortKey(row.version);
    if (key !== '') await db.query(`UPDATE adapters SET version_key = $1 WHERE seq = $2 AND version_key = ''`, [key, row.seq]);
  }
}

// Any 64-bit constant works; it only has to be the same for every lorakit server sharing the database.
const MIGRATION_LOCK = 0x6c6f72616b6974n;
/** Advisory lock key of adapter registrations that check lineage (see RegistryStore.serializeRegistrations). */
const REGISTRATION_LOCK = MIGRATION_LOCK + 1n;

interface AdapterRow {
  id: string;
  version: string;
  domain: string | null;
  base_model: string | null;
  task: string | null;
  metadata: unknown;
  training_defaults: string[] | null;
  created_by: string;
  created_at: Date;
}

interface JobRow {
  id: string;
  status: JobStatus;
  source: string;
  config: unknown;
  progress: unknown;
  stats: unknown;
  quality: unknown;
  files: string[];
  error: JobRecord['error'];
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function toAdapter(row: AdapterRow): AdapterRecord {
  return {
    id: row.id,
    version: row.version,
    domain: row.domain,
    baseModel: row.base_model,
    task: row.task,
    metadata: row.metadata,
    trainingDefaults: row.training_defaults,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    config: row.config,
    progress: row.progress,
    stats: row.stats,
    quality: row.quality,
    files: row.files,
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

// node-postgres sends JS arrays as PostgreSQL arrays, so JSONB values go over the wire as JSON text.
const jsonParam = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** Connection string, e.g. `postgres://user@host:5432/db` (from `DATABASE_URL`). */
  connectionString: string;
  /** PostgreSQL schema holding the tables; created when missing. @default 'public' */
  schema?: string;
  /** Pool size. @default 10 */
  maxConnections?: number;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // pg also reads a password from the query string (`?password=…`).
    for (const key of ['password', 'sslpassword']) if (u.searchParams.has(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return 'postgres (unparsable DATABASE_URL)';
  }
}

/**
 * The registry store on PostgreSQL (node-postgres pool). Migrations take an advisory lock, so several servers can
 * start against one database at once.
 *
 * @throws ServerError `SERVER_DEPENDENCY_MISSING` when `pg` is not installed.
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate();
 * ```
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<RegistryStore> {
  let PgPool: typeof PgModule.Pool;
  try {
    PgPool = (await import('pg')).default.Pool;
  } catch (cause) {
    throw new ServerError('SERVER_DEPENDENCY_MISSING', 'the PostgreSQL store needs pg: npm install pg', { cause });
  }
  const schema = options.schema ?? 'public';
  const location = `${redact(options.connectionString)} (schema ${schema})`;
  const pool: Pool = new PgPool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    options: `-c search_path=${quoteIdent(schema)}`,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that crashes the process.
  pool.on('error', () => undefined);

  const fail = (what: string, cause: unknown): never => {
    throw new ServerError('SERVER_STORE_FAILED', `${location}: ${what} failed: ${(cause as Error).message}`, { cause });
  };
  const query = async <R extends object>(what: string, sql: string, params: unknown[] = []): Promise<R[]> => {
    try {
      return (await pool.query<R>(sql, params)).rows;
    } catch (cause) {
      return fail(what, cause);
    }
  };

  const heal = async (): Promise<void> => {
    try {
      await keyUnkeyedVersions(pool);
    } catch (cause) {
      fail('version key backfill', cause);
    }
  };

  // Lineage-checked registrations of this process, one after another (see serializeRegistrations).
  const inTurn = oneAtATime();
  // The session lock, on a client of its own, shared with every server on the database; the server drops it if the
  // connection does.
  const withRegistrationLock = async <T>(fn: () => Promise<T>): Promise<T> => {
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      await client.query('SELECT pg_advisory_lock($1)', [REGISTRATION_LOCK.toString()]);
    } catch (cause) {
      client?.release(true);
      return fail('registration lock', cause);
    }
    try {
      return await fn();
    } finally {
      // A lock that could not be given back goes with its connection.
      const unlocked = await client.query('SELECT pg_advisory_unlock($1)', [REGISTRATION_LOCK.toString()]).then(
        () => true,
        () => false,
      );
      client.release(!unlocked);
    }
  };

  return {
    kind: 'postgres',
    location,
    async migrate() {
      let client: PoolClient | undefined;
      try {
        client = await pool.connect();
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        await client.query(
          'CREATE TABLE IF NOT EXISTS lorakit_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)',
        );
        const applied = new Set(
          (await client.query<{ version: number }>('SELECT version FROM lorakit_migrations')).rows.map((r) => r.version),
        );
        for (const [index, migration] of MIGRATIONS.entries()) {
          if (applied.has(index + 1)) continue;
          if (typeof migration === 'string') await client.query(migration);
          else await migration(client);
          await client.query('INSERT INTO lorakit_migrations (version, applied_at) VALUES ($1, now())', [index + 1]);
        }
        await keyUnkeyedVersions(client);
        await client.query('COMMIT');
      } catch (cause) {
        await client?.query('ROLLBACK').catch(() => undefined);
        fail('migration', cause);
      } finally {
        client?.release();
      }
    },
    async ping() {
      await query('ping', 'SELECT 1');
    },
    // In turn within this process first, so that it waits on the advisory lock with one pool client at most: ten
    // waiters each holding one would leave the holder none for its own queries, and nobody would ever go on.
    serializeRegistrations: (fn) => inTurn(() => withRegistrationLock(fn)),
    async insertAdapter(r) {
      const rows = await query(
        'insert adapter',
        `INSERT INTO adapters (id, version, version_key, domain, base_model, task, metadata, training_defaults,
           created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id, version) DO NOTHING
         RETURNING id`,
        [r.id, r.version, versionSortKey(r.version), r.domain, r.baseModel, r.task, jsonParam(r.metadata),
          jsonParam(r.trainingDefaults), r.createdBy, r.createdAt],
      );
      return rows.length === 1 ? 'created' : 'conflict';
    },
    async getAdapter(id, version) {
      const rows = await query<AdapterRow>('get adapter', 'SELECT * FROM adapters WHERE id = $1 AND version = $2', [
        id,
        version,
      ]);
      return rows[0] && toAdapter(rows[0]);
    },
    async listAdapterVersions(id) {
      await heal();
      return (await query<AdapterRow>('list versions', 'SELECT * FROM adapters WHERE id = $1 ORDER BY version_key, seq', [id])).map(
        toAdapter,
      );
    },
    async getLatestAdapter(id) {
      await heal();
      const rows = await query<AdapterRow>(
        'get latest adapter',
        `SELECT * FROM adapters WHERE id = $1 ORDER BY ${LATEST_ORDER} LIMIT 1`,
        [id],
      );
      return rows[0] && toAdapter(rows[0]);
    },
    async listAdapters(q: AdapterQuery) {
      await heal();
      const where: string[] = [`a.seq IN (${LATEST})`];
      const params: unknown[] = [];
      const add = (column: string, value: string | undefined) => {
        if (value === undefined) return;
        params.push(value);
        // Hub ids ignore case (routing and deployments compare them so); domains and tasks are as registered.
        where.push(column === 'base_model' ? `lower(a.base_model) = lower($${params.length})` : `a.${column} = $${params.length}`);
      };
      add('domain', q.domain);
      add('base_model', q.baseModel);
      add('task', q.task);
      const clause = where.join(' AND ');
      const [count] = await query<{ n: string }>('count adapters', `SELECT COUNT(*) AS n FROM adapters a WHERE ${clause}`, params);
      const rows = await query<AdapterRow>(
        'list adapters',
        `SELECT a.* FROM adapters a WHERE ${clause} ORDER BY a.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, q.limit, q.offset],
      );
      return { items: rows.map(toAdapter), total: Number(count?.n ?? 0) };
    },
    async createJob(j) {
      await query(
        'create job',
        `INSERT INTO jobs (id, status, source, config, progress, stats, quality, files, error, created_by, created_at,
           started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          j.id,
          j.status,
          j.source,
          jsonParam(j.config),
          jsonParam(j.progress),
          jsonParam(j.stats),
          jsonParam(j.quality),
          jsonParam(j.files),
          jsonParam(j.error),
          j.createdBy,
          j.createdAt,
          j.startedAt,
          j.finishedAt,
        ],
      );
    },
    async updateJob(id, patch) {
      const sets: string[] = [];
      const params: unknown[] = [];
      for (const [key, value] of Object.entries(patch) as [keyof JobPatch, unknown][]) {
        if (value === undefined) continue;
        params.push(JSON_FIELDS.has(key) ? jsonParam(value) : value);
        sets.push(`${JOB_COLUMNS[key]} = $${params.length}`);
      }
      if (sets.length === 0) return (await query('get job', 'SELECT 1 FROM jobs WHERE id = $1', [id])).length === 1;
      params.push(id);
      const rows = await query(
        'update job',
        `UPDATE jobs SET ${sets.join(', ')} WHERE id = $${params.length} RETURNING id`,
        params,
      );
      return rows.length === 1;
    },
    async getJob(id) {
      const rows = await query<JobRow>('get job', 'SELECT * FROM jobs WHERE id = $1', [id]);
      return rows[0] && toJob(rows[0]);
    },
    async listJobs(limit) {
      return (await query<JobRow>('list jobs', 'SELECT * FROM jobs ORDER BY seq DESC LIMIT $1', [limit])).map(toJob);
    },
    async countJobs() {
      const rows = await query<{ status: JobStatus; n: string }>(
        'count jobs',
        'SELECT status, COUNT(*) AS n FROM jobs GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    async interruptUnfinishedJobs(now) {
      const rows = await query(
        'interrupt jobs',
        `UPDATE jobs SET status = 'failed', error = $1, finished_at = $2 WHERE status IN ('queued', 'running') RETURNING id`,
        [jsonParam({ code: 'interrupted', message: 'the server stopped while the job was unfinished' }), now],
      );
      return rows.length;
    },
    async close() {
      await pool.end();
    },
  };
}
