/** A registered adapter version. Versions are immutable once stored. */
export interface AdapterRecord {
  id: string;
  version: string;
  /** Indexed copies of metadata fields, for filtering. */
  domain: string | null;
  baseModel: string | null;
  task: string | null;
  /** The validated adapter metadata, as registered (defaults applied). */
  metadata: unknown;
  /**
   * LoRA hyper-parameters (`lora_rank`, `lora_alpha`, `lora_dropout`) the registration left out, so `metadata`
   * holds the metadata model's defaults for them, not what the adapter was trained with. Null: registered before
   * this was recorded (unknown).
   */
  trainingDefaults: string[] | null;
  /** Token name that registered it. */
  createdBy: string;
  /** ISO 8601. */
  createdAt: string;
}

/** Filter and page of {@link RegistryStore.listAdapters}. */
export interface AdapterQuery {
  domain?: string;
  baseModel?: string;
  task?: string;
  limit: number;
  offset: number;
}

/** Job states. `failed` jobs carry an error; a restart turns running and queued jobs into `failed` + `interrupted`. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** An export job. */
export interface JobRecord {
  id: string;
  status: JobStatus;
  /** The named server-side source. */
  source: string;
  /** The export config as requested (JSON). */
  config: unknown;
  /** Last reported progress (JSON), null before the first report. */
  progress: unknown;
  /** Counts of the finished export (JSON), null until then. */
  stats: unknown;
  /** The quality report of the finished export (JSON), null when none was computed. */
  quality: unknown;
  /** Output file names (relative to the job's directory). */
  files: string[];
  error: { code: string; message: string } | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Fields of a job that change while it runs. */
export type JobPatch = Partial<
  Pick<JobRecord, 'status' | 'progress' | 'stats' | 'quality' | 'files' | 'error' | 'startedAt' | 'finishedAt'>
>;

/** Column of each {@link JobPatch} field, the same in every store's `jobs` table. */
export const JOB_COLUMNS: Record<keyof JobPatch, string> = {
  status: 'status',
  progress: 'progress',
  stats: 'stats',
  quality: 'quality',
  files: 'files',
  error: 'error',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};
/** {@link JobPatch} fields stored as JSON. */
export const JSON_FIELDS: ReadonlySet<keyof JobPatch> = new Set<keyof JobPatch>(['progress', 'stats', 'quality', 'files', 'error']);

/**
 * Persistence of the adapter registry and export jobs. Implementations: {@link createSqliteStore} (embedded default)
 * and {@link createPostgresStore}; both pass the same contract suite.
 */
export interface RegistryStore {
  /** `sqlite` or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data lives, for the start-up line (never includes a password). */
  readonly location: string;
  /** Apply pending schema migrations; safe to call again and from several processes. */
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** Insert a new adapter version; `conflict` when id + version already exists (nothing is changed). */
  insertAdapter(record: AdapterRecord): Promise<'created' | 'conflict'>;
  /**
   * Run `fn` while no other caller of this method runs, on any server sharing the store: registrations that check
   * the lineage and then insert take it, so two of them cannot each pass the check and together close a cycle.
   */
  serializeRegistrations<T>(fn: () => Promise<T>): Promise<T>;
  getAdapter(id: string, version: string): Promise<AdapterRecord | undefined>;
  /**
   * All versions of an adapter in semver precedence order (pre-releases before their release); versions differing
   * only in build metadata keep their registration order.
   */
  listAdapterVersions(id: string): Promise<AdapterRecord[]>;
  /**
   * The latest version of an adapter: its highest release by semver (not the last registered), or its highest
   * pre-release when it has no release, as npm's `latest` tag; of equal precedence (build metadata only), the later
   * registered.
   */
  getLatestAdapter(id: string): Promise<AdapterRecord | undefined>;
  /**
   * The latest version (as {@link RegistryStore.getLatestAdapter}) of each adapter, kept when it matches the filter;
   * ordered by id, with the total count.
   */
  listAdapters(query: AdapterQuery): Promise<{ items: AdapterRecord[]; total: number }>;
  createJob(job: JobRecord): Promise<void>;
  /** Update a job; returns false when it does not exist. */
  updateJob(id: string, patch: JobPatch): Promise<boolean>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Most recent jobs first. */
  listJobs(limit: number): Promise<JobRecord[]>;
  /** Count of jobs per status. */
  countJobs(): Promise<Partial<Record<JobStatus, number>>>;
  /** Mark every queued or running job `failed` with error `interrupted`; returns how many. */
  interruptUnfinishedJobs(now: string): Promise<number>;
  close(): Promise<void>;
}
