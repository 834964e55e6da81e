export { VllmConfigError, type VllmConfigErrorCode } from './errors.js';
export {
  ALLOWED_MAX_LORA_RANKS,
  DEFAULT_VLLM_VERSION,
  LORA_FILESYSTEM_RESOLVER_SINCE,
  LORA_MODULES_JSON_SINCE,
  OLDEST_VLLM_VERSION,
  VLLM_FLAGS,
  flagUnavailableReason,
  isFlagAvailable,
  normalizeVllmVersion,
  roundUpLoraRank,
  type MaxLoraRank,
  type VllmFlag,
  type VllmFlagInfo,
} from './vllm-versions.js';
export {
  LoraSettingsSchema,
  ServeAdapterSchema,
  ServeConfigSchema,
  parseServeConfig,
  safeParseServeConfig,
  type ServeAdapter,
  type ServeConfig,
  type ServeConfigInput,
  type ServeConfigResult,
} from './serve-config-schema.js';
export { toServeArgs } from './to-serve-args.js';
export { toServeCommand } from './to-serve-command.js';
export { toServeYaml } from './to-serve-yaml.js';
export { toEnv } from './to-env.js';
export { toComposeService } from './to-compose-service.js';
export { toKubernetesManifest } from './to-kubernetes-manifest.js';
export { readSafetensorsHeader, type SafetensorsHeader, type SafetensorsTensor } from './read-safetensors-header.js';
export {
  checkAdapter,
  compareBaseModels,
  formatServabilityReport,
  type ServabilityCode,
  type ServabilityProblem,
  type ServabilityReport,
} from './check-adapter.js';
export { MODEL_SHAPES, findModelShape, type ModelShape } from './model-shapes.js';
export { formatBytes, planMemory, type MemoryPlan, type PlannedModule } from './plan-memory.js';
export {
  createVllmClient,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type CompletionRequest,
  type CompletionResponse,
  type Usage,
  type VllmClient,
  type VllmClientOptions,
  type VllmModel,
} from './create-vllm-client.js';
export { loraSelectionError } from './lora-selection-error.js';
export {
  createAdapterRouter,
  type AdapterRouter,
  type AdapterRouterOptions,
  type RouteMatch,
  type RouteResult,
  type RouterAdapter,
} from './create-adapter-router.js';
export { readAdapterRank } from './read-adapter-rank.js';
