export { createTokenVerifier, hasScope, type Principal, type TokenVerifier } from './auth.js';
export {
  LimitsSchema,
  RouterConfigSchema,
  ScopeSchema,
  ServerConfigSchema,
  TokenConfigSchema,
  UpstreamSchema,
  parseServerConfig,
  readServerConfig,
  type Scope,
  type ServerConfig,
  type ServerConfigInput,
  type TokenConfig,
} from './config.js';
export { createServer, type CreateServerOptions, type LorakitServer } from './create-server.js';
export { ServerError, type ServerErrorCode } from './errors.js';
export { statusForCode } from './http-errors.js';
export { main, resolveStartOptions, type MainOptions, type StartOptions } from './main.js';
export { createPostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export type {
  AdapterQuery,
  AdapterRecord,
  JobPatch,
  JobRecord,
  JobStatus,
  RegistryStore,
} from './store/registry-store.js';
export { createSqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
