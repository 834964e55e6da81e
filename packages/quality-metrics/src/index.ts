export { QualityMetricsError, type QualityMetricsErrorCode } from './errors.js';
export type { Issue } from './issue.js';
export { normalizeSample, type NormalizedSample, type SampleFormat, type Role, type Turn } from './normalize-sample.js';
export { canonicalKey } from './canonical-key.js';
export {
  createNearDupIndex,
  candidateProbability,
  type NearDupIndex,
  type NearDupIndexOptions,
  type NearDupMatch,
  type NearDupOptions,
  type NearDupParams,
} from './near-dup-index.js';
export { detectPii, phoneRegions, type DetectPiiOptions, type PiiSpan, type PiiType } from './detect-pii.js';
// The accumulator and sample digests, also exported alone by `@lorakit/quality-metrics/accumulator`.
export { createQualityAccumulator, accumulatorFromJSON, digestSample, isMeasured } from './accumulator.js';
export type { QualityAccumulator, QualityAccumulatorOptions, AddContext, AccumulatorState } from './accumulator.js';
export type { SampleRecord, SampleReason, SampleDigest } from './accumulator.js';
export {
  QualityReportSchema,
  REPORT_SCHEMA_VERSION,
  qualityReportJsonSchema,
  type QualityReport,
  type Distribution,
} from './quality-report.js';
export { DEFAULT_REFUSAL_PHRASES } from './refusal-phrases.js';
export { DEFAULT_FLAG_THRESHOLDS, type FlagThresholds, type FlagCode } from './internal/heuristics.js';
export { loadTokenizer, type Tokenizer } from './tokenizer.js';
export { checkGates, evaluateGates, reportMetrics, type GateSpec, type GateOperator, type GateResult, type GateEvaluation } from './evaluate-gates.js';
export { renderText } from './render-text.js';
export { renderHtml, type RenderHtmlOptions } from './render-html.js';
export { openSidecarWriter, type SidecarWriter } from './sidecar-writer.js';
