/**
 * Version of the report layout; bumped on any breaking change to `QualityReportSchema`. Apart from the schema, so
 * that the accumulator (which stamps it on reports) does not load zod.
 */
export const REPORT_SCHEMA_VERSION = 1;
