import { z } from 'zod';
import { REPORT_SCHEMA_VERSION } from './report-version.js';

export { REPORT_SCHEMA_VERSION };

const LineList = z.array(z.number().int()).describe('Example line numbers (1-based), ascending, capped by maxExamples');

export const DistributionSchema = z
  .object({
    n: z.number().int().describe('Samples measured'),
    mean: z.number().nullable(),
    std: z.number().nullable().describe('Population standard deviation'),
    min: z.number().nullable(),
    p50: z.number().nullable(),
    p90: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
    max: z.number().nullable(),
    histogram: z
      .array(z.object({ from: z.number(), to: z.number().nullable().describe('Exclusive; null = unbounded'), count: z.number().int() }))
      .describe('Power-of-two buckets [from, to)'),
  })
  .describe('A length distribution; quantiles from DDSketch (relative accuracy 1%), the rest exact');

const SideLengthsSchema = z.object({
  chars: DistributionSchema.describe('Unicode code points, over every valid sample'),
  words: DistributionSchema.describe('Over the measured samples (sampling.measured)'),
  tokens: DistributionSchema.optional().describe('Present only when a tokenizer was given; over every valid sample'),
});

const DiversitySideSchema = z.object({
  ngrams: z.array(z.number().int()).describe('Total word 1-, 2-, 3-grams'),
  distinct1: z.number().nullable(),
  distinct2: z.number().nullable(),
  distinct3: z.number().nullable(),
  exact: z.boolean().describe('False when unique counts come from HyperLogLog'),
});

export const QualityReportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    generatedAt: z.string().describe('ISO timestamp; the only field that differs between runs on the same input'),
    options: z.object({
      maxExamples: z.number().int(),
      maxSeqLen: z.number().int().nullable(),
      tokenizer: z.string().nullable(),
      languageMinChars: z.number().int(),
      expectedLanguages: z.array(z.string()).nullable(),
      phoneRegions: z
        .array(z.string())
        .optional()
        .describe('Countries whose national phone numbers PII detection found too (absent in reports made before the option)'),
      sketchRelativeAccuracy: z.number(),
      hllRelativeError: z.number(),
      flagThresholds: z.record(z.string(), z.number()),
    }),
    counts: z.object({
      lines: z.number().int().describe('Highest line number seen'),
      samples: z.number().int(),
      valid: z.number().int(),
      invalid: z.number().int().describe('Samples with at least one issue or in no known format'),
      unrecognised: z.number().int(),
      complianceRate: z.number().nullable().describe('valid / samples'),
      formats: z.record(z.string(), z.number().int()),
    }),
    sampling: z
      .object({
        rate: z.number().describe('The sampleRate option, in (0, 1]'),
        measured: z.number().int().describe('Valid samples selected for the content metrics (all valid ones at rate 1)'),
      })
      .optional()
      .describe(
        'Which valid samples got the content metrics (word lengths, diversity, language, PII, flags): those whose ' +
          'content hash falls below the rate. Counts in those sections are among the measured samples and their ' +
          'shares and rates are over `measured`. Absent in reports written before sampling existed: every valid ' +
          'sample was measured.',
      ),
    issues: z
      .array(z.object({ code: z.string(), path: z.string(), count: z.number().int(), lines: LineList }))
      .describe('Grouped by code and JSON path (array indices folded to *), most frequent first'),
    lengths: z.object({ prompt: SideLengthsSchema, response: SideLengthsSchema, total: SideLengthsSchema }),
    truncation: z
      .object({
        maxSeqLen: z.number().int(),
        samplesOver: z.number().int(),
        overMaxSeqLenRate: z.number().nullable(),
        responseTokens: z.number().int(),
        responseTokensLost: z.number().int(),
        truncatedResponseTokenRate: z.number().nullable(),
      })
      .optional()
      .describe('Present when maxSeqLen and a tokenizer were given'),
    exactDuplicates: z.object({
      duplicates: z.number().int().describe('Samples whose canonical key was seen before'),
      rate: z.number().nullable(),
      groupCount: z.number().int(),
      groups: z.array(
        z.object({ representative: z.number().int(), count: z.number().int(), lines: LineList, example: z.string() }),
      ),
    }),
    nearDuplicates: z
      .object({
        numHashes: z.number().int(),
        bands: z.number().int(),
        rows: z.number().int(),
        shingleSize: z.number().int(),
        threshold: z.number(),
        seed: z.number().int(),
        sCurve: z.array(z.object({ jaccard: z.number(), probability: z.number() })),
        indexed: z.number().int(),
        duplicates: z.number().int().describe('Samples (not exact duplicates) matching an earlier one'),
        rate: z.number().nullable(),
        clusterCount: z.number().int(),
        clusters: z.array(
          z.object({
            representative: z.number().int(),
            size: z.number().int(),
            members: LineList,
            examples: z.array(z.string()),
          }),
        ),
        sizeHistogram: z.array(z.object({ size: z.string(), count: z.number().int() })),
      })
      .nullable(),
    promptConflicts: z.object({
      prompts: z.number().int().describe('Distinct prompts answered differently'),
      samples: z.number().int().describe('Samples whose response differs from the first one for the same prompt'),
      rate: z.number().nullable(),
      groups: z.array(z.object({ representative: z.number().int(), count: z.number().int(), lines: LineList })),
    }),
    diversity: z
      .object({
        prompt: DiversitySideSchema,
        response: DiversitySideSchema,
        compressionRatio: z.number().nullable().describe('Response bytes / gzip bytes (1 MiB blocks); higher = more repetitive'),
        meanMtld: z.number().nullable(),
        mtldSamples: z.number().int(),
        topOpenings: z.array(z.object({ opening: z.string(), count: z.number().int(), share: z.number() })),
        openingsExact: z.boolean(),
      })
      .describe('Over the measured samples (sampling.measured)'),
    language: z
      .object({
        minChars: z.number().int(),
        counts: z
          .array(z.object({ language: z.string(), count: z.number().int(), share: z.number().describe('count / sampling.measured') }))
          .describe('Measured samples per detected language, most frequent first'),
        expected: z.array(z.string()).nullable(),
        mismatches: z.number().int().describe('Measured samples in a language other than the expected ones'),
        mismatchRate: z
          .number()
          .nullable()
          .describe('mismatches / measured samples whose language was detected (sampling.measured minus the `und` count); null when there are none'),
        mismatchLines: LineList,
      })
      .describe('Over the measured samples (sampling.measured)'),
    pii: z
      .object({
        samples: z.number().int().describe('Measured samples with at least one span'),
        rate: z.number().nullable().describe('samples / sampling.measured'),
        byType: z.array(
          z.object({ type: z.string(), spans: z.number().int(), samples: z.number().int(), lines: LineList }),
        ),
      })
      .describe('Over the measured samples (sampling.measured)'),
    flags: z
      .array(
        z.object({
          code: z.string(),
          count: z.number().int().describe('Measured samples with the flag'),
          share: z.number().nullable().describe('count / sampling.measured'),
          threshold: z.number().nullable(),
          lines: LineList,
        }),
      )
      .describe('Heuristic flags, over the measured samples (sampling.measured)'),
    funnel: z
      .array(z.object({ stage: z.string(), code: z.string().optional(), count: z.number().int() }))
      .optional()
      .describe('Filled by the exporter: how many records each stage dropped'),
  })
  .describe('lorakit quality report');

/** The JSON quality report. `generatedAt` is the only field that varies between runs over the same input. */
export type QualityReport = z.infer<typeof QualityReportSchema>;
/** One length distribution of a {@link QualityReport}. */
export type Distribution = z.infer<typeof DistributionSchema>;

/** JSON Schema (draft 2020-12) of {@link QualityReport}, generated from the zod schema. */
export function qualityReportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(QualityReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
