import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type SqliteModule from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { ServerError } from '../errors.js';
import { oneAtATime } from '../internal/one-at-a-time.js';
import { JOB_COLUMNS, JSON_FIELDS } from './registry-store.js';
import type { AdapterQuery, AdapterRecord, JobPatch, JobRecord, JobStatus, RegistryStore } from './registry-store.js';
import { versionSortKey } from './version-key.js';

// Each entry runs once, in order, inside one transaction with its version row; never edit a shipped entry.
const MIGRATIONS: readonly (string | ((db: Database) => void))[] = [
  `CREATE TABLE adapters (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL, version TEXT NOT NULL,
     domain TEXT, base_model TEXT, task TEXT,
     metadata TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
     UNIQUE (id, version));
   CREATE INDEX adapters_domain ON adapters (domain);
   CREATE INDEX adapters_base_model ON adapters (base_model);
   CREATE INDEX adapters_task ON adapters (task);
   CREATE TRIGGER adapters_immutable BEFORE UPDATE ON adapters
     BEGIN SELECT RAISE(ABORT, 'registered adapter versions are immutable'); END;
   CREATE TABLE jobs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, source TEXT NOT NULL, config TEXT NOT NULL,
     progress TEXT, stats TEXT, quality TEXT, files TEXT NOT NULL, error TEXT,
     created_by TEXT NOT NULL, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT);
   CREATE INDEX jobs_status ON jobs (status);`,
  // "Latest" is the highest semantic version, which text order of `version` is not (1.0.10 < 1.0.9).
  (db) => {
    db.exec(`ALTER TABLE adapters ADD COLUMN version_key TEXT NOT NULL DEFAULT '';
             CREATE INDEX adapters_latest ON adapters (id, version_key);
             DROP TRIGGER adapters_immutable;`);
    const set = db.prepare('UPDATE adapters SET version_key = ? WHERE seq = ?');
    for (const row of db.prepare('SELECT seq, version FROM adapters').all() as { seq: number; version: string }[]) {
      set.run(versionSortKey(row.version), row.seq);
    }
    db.exec(`CREATE TRIGGER adapters_immutable BEFORE UPDATE ON adapters
               BEGIN SELECT RAISE(ABORT, 'registered adapter versions are immutable'); END;`);
  },
  // NULL for versions registered before: whether their hyper-parameters were given is unknown.
  `ALTER TABLE adapters ADD COLUMN training_defaults TEXT;`,
  // A server of the first release, still running during a rolling upgrade, inserts rows without version_key (so
  // ''); the one update allowed lets the next server fill it in. A migration adding a column adds it to the list.
  `DROP TRIGGER adapters_immutable;
   CREATE TRIGGER adapters_immutable BEFORE UPDATE ON adapters
     WHEN NOT (OLD.version_key = '' AND NEW.version_key <> ''
       AND NEW.seq IS OLD.seq AND NEW.id IS OLD.id AND NEW.version IS OLD.version AND NEW.domain IS OLD.domain
       AND NEW.base_model IS OLD.base_model AND NEW.task IS OLD.task AND NEW.metadata IS OLD.metadata
       AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at
       AND NEW.training_defaults IS OLD.training_defaults)
     BEGIN SELECT RAISE(ABORT, 'registered adapter versions are immutable'); END;
   CREATE INDEX adapters_unkeyed ON adapters (seq) WHERE version_key = '';`,
];

// The latest version of an adapter: its highest release (a release's key ends in "~", see versionSortKey), or its
// highest pre-release when it has no release, as npm's `latest` and semver's maxSatisfying('*') do. Equal precedence
// (build metadata only) goes to the later one.
const LATEST_ORDER = "version_key LIKE '%~' DESC, version_key DESC, seq DESC";
const LATEST = `SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ${LATEST_ORDER}) AS n
                FROM adapters) WHERE n = 1`;

// Fills in version_key of rows an older server inserted without it; a non-semantic version keeps ''.
function keyUnkeyedVersions(db: Database): void {
  const unkeyed = db.prepare(`SELECT seq, version FROM adapters WHERE version_key = ''`).all() as {
    seq: number;
    version: string;
  }[];
  if (unkeyed.length === 0) return;
  const set = db.prepare(`UPDATE adapters SET version_key = ? WHERE seq = ? AND version_key = ''`);
  for (const row of unkeyed) {
    const key = versionSortKey(row.version);
    if (key !== '') set.run(key, row.seq);
  }
}

interface AdapterRow {
  id: string;
  version: string;
  domain: string | null;
  base_model: string | null;
  task: string | null;
  metadata: string;
  training_defaults: string | null;
  created_by: string;
  created_at: string;
}

interface JobRow {
  id: string;
  status: JobStatus;
  source: string;
  config: string;
  progress: string | null;
  stats: string | null;
  quality: string | null;
  files: string;
  error: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const json = (value: string | null): unknown => (value === null ? null : JSON.parse(value));

function toAdapter(row: AdapterRow): AdapterRecord {
  return {
    id: row.id,
    version: row.version,
    domain: row.domain,
    baseModel: row.base_model,
    task: row.task,
    metadata: JSON.parse(row.metadata),
    trainingDefaults: json(row.training_defaults) as string[] | null,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    config: JSON.parse(row.config),
    progress: json(row.progress),
    stats: json(row.stats),
    quality: json(row.quality),
    files: JSON.parse(row.files) as string[],
    error: json(row.error) as JobRecord['error'],
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}


/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; its directory is created. `:memory:` for a throw-away store. */
  file: string;
}

/**
 * The embedded registry store: one SQLite file (better-sqlite3, WAL mode). Calls are synchronous underneath; the
 * async interface matches the PostgreSQL store.
 *
 * @throws ServerError `SERVER_DEPENDENCY_MISSING` when better-sqlite3 is not installed, `SERVER_STORE_FAILED` when the
 * file cannot be opened.
 * @example
 * ```ts
 * const store = await createSqliteStore({ file: '.lorakit/lorakit.db' });
 * await store.migrate();
 * ```
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<RegistryStore> {
  let Sqlite: typeof SqliteModule;
  try {
    Sqlite = (await import('better-sqlite3')).default;
  } catch (cause) {
    throw new ServerError('SERVER_DEPENDENCY_MISSING', 'the SQLite store needs better-sqlite3: npm install better-sqlite3', {
      cause,
    });
  }
  let db: Database;
  try {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    db = new Sqlite(options.file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
  } catch (cause) {
    throw new ServerError('SERVER_STORE_FAILED', `${options.file}: cannot open the SQLite database`, { cause });
  }

  const run = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (cause) {
      if ((cause as { code?: string }).code === 'SERVER_STORE_FAILED') throw cause;
      throw new ServerError('SERVER_STORE_FAILED', `${options.file}: ${what} failed: ${(cause as Error).message}`, { cause });
    }
  };

  // Lineage-checked registrations of this process, one after another (see serializeRegistrations).
  const inTurn = oneAtATime();

  return {
    kind: 'sqlite',
    location: options.file,
    async migrate() {
      run('migration', () => {
        db.exec('CREATE TABLE IF NOT EXISTS lorakit_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
        // IMMEDIATE takes the write lock first, so two processes starting together cannot both apply a migration.
        db.transaction(() => {
          const applied = new Set(
            (db.prepare('SELECT version FROM lorakit_migrations').all() as { version: number }[]).map((r) => r.version),
          );
          MIGRATIONS.forEach((migration, index) => {
            if (applied.has(index + 1)) return;
            if (typeof migration === 'string') db.exec(migration);
            else migration(db);
            db.prepare('INSERT INTO lorakit_migrations (version, applied_at) VALUES (?, ?)').run(
              index + 1,
              new Date().toISOString(),
            );
          });
          keyUnkeyedVersions(db);
        }).immediate();
      });
    },
    async ping() {
      run('ping', () => db.prepare('SELECT 1').get());
    },
    // A queue in this process: servers that share one registry use PostgreSQL, whose lock holds across them.
    serializeRegistrations: (fn) => inTurn(fn),
    async insertAdapter(r) {
      return run('insert adapter', () => {
        const info = db
          .prepare(
            `INSERT INTO adapters (id, version, version_key, domain, base_model, task, metadata, training_defaults,
               created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id, version) DO NOTHING`,
          )
          .run(r.id, r.version, versionSortKey(r.version), r.domain, r.baseModel, r.task, JSON.stringify(r.metadata),
            r.trainingDefaults === null ? null : JSON.stringify(r.trainingDefaults), r.createdBy, r.createdAt);
        return info.changes === 1 ? 'created' : 'conflict';
      });
    },
    async getAdapter(id, version) {
      return run('get adapter', () => {
        const row = db.prepare('SELECT * FROM adapters WHERE id = ? AND version = ?').get(id, version) as AdapterRow | undefined;
        return row && toAdapter(row);
      });
    },
    async listAdapterVersions(id) {
      return run('list versions', () => {
        keyUnkeyedVersions(db);
        return (db.prepare('SELECT * FROM adapters WHERE id = ? ORDER BY version_key, seq').all(id) as AdapterRow[]).map(toAdapter);
      });
    },
    async getLatestAdapter(id) {
      return run('get latest adapter', () => {
        keyUnkeyedVersions(db);
        const row = db.prepare(`SELECT * FROM adapters WHERE id = ? ORDER BY ${LATEST_ORDER} LIMIT 1`).get(id) as
          | AdapterRow
          | undefined;
        return row && toAdapter(row);
      });
    },
    async listAdapters(q: AdapterQuery) {
      return run('list adapters', () => {
        keyUnkeyedVersions(db);
        const where: string[] = [`a.seq IN (${LATEST})`];
        const params: unknown[] = [];
        for (const [column, value] of [['domain', q.domain], ['base_model', q.baseModel], ['task', q.task]] as const) {
          if (value === undefined) continue;
          // Hub ids ignore case (routing and deployments compare them so); domains and tasks are as registered.
          where.push(column === 'base_model' ? 'lower(a.base_model) = lower(?)' : `a.${column} = ?`);
          params.push(value);
        }
        const clause = where.join(' AND ');
        const total = (db.prepare(`SELECT COUNT(*) AS n FROM adapters a WHERE ${clause}`).get(...params) as { n: number }).n;
        const rows = db
          .prepare(`SELECT a.* FROM adapters a WHERE ${clause} ORDER BY a.id LIMIT ? OFFSET ?`)
          .all(...params, q.limit, q.offset) as AdapterRow[];
        return { items: rows.map(toAdapter), total };
      });
    },
    async createJob(j) {
      run('create job', () => {
        db.prepare(
          `INSERT INTO jobs (id, status, source, config, progress, stats, quality, files, error, created_by, created_at,
             started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          j.id,
          j.status,
          j.source,
          JSON.stringify(j.config),
          j.progress === null ? null : JSON.stringify(j.progress),
          j.stats === null ? null : JSON.stringify(j.stats),
          j.quality === null ? null : JSON.stringify(j.quality),
          JSON.stringify(j.files),
          j.error === null ? null : JSON.stringify(j.error),
          j.createdBy,
          j.createdAt,
          j.startedAt,
          j.finishedAt,
        );
      });
    },
    async updateJob(id, patch) {
      return run('update job', () => {
        const sets: string[] = [];
        const params: unknown[] = [];
        for (const [key, value] of Object.entries(patch) as [keyof JobPatch, unknown][]) {
          if (value === undefined) continue;
          sets.push(`${JOB_COLUMNS[key]} = ?`);
          params.push(JSON_FIELDS.has(key) && value !== null ? JSON.stringify(value) : value);
        }
        if (sets.length === 0) return db.prepare('SELECT 1 FROM jobs WHERE id = ?').get(id) !== undefined;
        return db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...params, id).changes === 1;
      });
    },
    async getJob(id) {
      return run('get job', () => {
        const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
        return row && toJob(row);
      });
    },
    async listJobs(limit) {
      return run('list jobs', () =>
        (db.prepare('SELECT * FROM jobs ORDER BY seq DESC LIMIT ?').all(limit) as JobRow[]).map(toJob),
      );
    },
    async countJobs() {
      return run('count jobs', () => {
        const rows = db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as {
          status: JobStatus;
          n: number;
        }[];
        return Object.fromEntries(rows.map((r) => [r.status, r.n]));
      });
    },
    async interruptUnfinishedJobs(now) {
      return run('interrupt jobs', () => {
        const error = JSON.stringify({ code: 'interrupted', message: 'the server stopped while the job was unfinished' });
        return db
          .prepare(
            `UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE status IN ('queued', 'running')`,
          )
          .run(error, now).changes;
      });
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
