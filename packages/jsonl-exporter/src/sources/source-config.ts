import { z } from 'zod';

const compression = z
  .enum(['auto', 'none', 'gzip', 'zstd'])
  .default('auto')
  .describe('Decompression of the input: auto (by extension: .gz gzip, .zst/.zstd zstd; by magic bytes on stdin), none, gzip, zstd.');

const path = z
  .string()
  .min(1)
  .describe('Input file, relative to the working directory (in the CLI: the config file\'s folder for a value in the file, the current directory for a flag).');

const csvOptions = {
  delimiter: z.string().min(1).default(',').describe('CSV field delimiter (one or more characters). `\\t`, a backslash and a t as a shell or a single-quoted YAML string gives them, means a tab.'),
  quote: z.string().length(1).default('"').describe('CSV quote character.'),
  escape: z.string().length(1).default('"').describe('CSV escape character inside quoted fields.'),
  header: z
    .boolean()
    .default(true)
    .describe('CSV: the first row holds the column names. false: set `columns`.'),
  columns: z
    .array(z.string().min(1))
    .refine((names) => new Set(names).size === names.length, {
      // csv-parse would keep only the last of two columns of one name, silently.
      message: 'names a column twice: rename one',
    })
    .optional()
    .describe('CSV column names, used when `header` is false (and instead of the header row when both are set).'),
  comment: z.string().min(1).optional().describe('CSV: lines starting with this string are comments and skipped.'),
  trim: z.boolean().default(false).describe('CSV: trim whitespace around unquoted fields.'),
  relax_column_count: z
    .boolean()
    .default(false)
    .describe('CSV: accept rows with fewer fields than columns (the missing columns are absent from the record) instead of reporting them as unreadable. A row with more fields stays a `parse` reject: its extra fields would be lost.'),
};

const maxLineLength = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('JSONL: longest accepted line in bytes; longer lines become `line_too_long` issues (default: the reader\'s).');

const JsonlSourceSchema = z
  .object({ type: z.literal('jsonl'), path, compression, max_line_length: maxLineLength })
  .strict()
  .describe('JSON Lines file: one JSON object per line, read as a stream.');

const JsonSourceSchema = z
  .object({ type: z.literal('json'), path, compression })
  .strict()
  .describe('JSON file holding one array of objects. The whole document is loaded into memory (the format demands it); prefer JSONL for large data.');

const CsvSourceSchema = z
  .object({ type: z.literal('csv'), path, compression, ...csvOptions })
  .strict()
  .describe('CSV file with a header row, read as a stream (csv-parse). Values are strings.');

const ParquetSourceSchema = z
  .object({
    type: z.literal('parquet'),
    path,
    compression: z.enum(['auto', 'none']).default('auto').describe('Parquet compresses internally; files are read as they are.'),
    columns: z.array(z.string().min(1)).optional().describe('Parquet columns to read (all when unset).'),
  })
  .strict()
  .describe('Apache Parquet file (hyparquet), read one row group at a time.');

const StdinSourceSchema = z
  .object({
    type: z.literal('stdin'),
    format: z.enum(['jsonl', 'json', 'csv']).default('jsonl').describe('Format of the data on standard input.'),
    compression,
    max_line_length: maxLineLength,
    ...csvOptions,
  })
  .strict()
  .describe('Standard input (or the stream the caller passes), in the given format. Can be read once.');

const table = z
  .string()
  .min(1)
  .optional()
  .describe('Table to read (optionally schema-qualified, `schema.table`). Set exactly one of `table` and `query`.');
const query = z
  .string()
  .min(1)
  .optional()
  .describe('SELECT statement to read. Set exactly one of `table` and `query`. Add ORDER BY for a stable order.');

const SqliteSourceSchema = z
  .object({
    type: z.literal('sqlite'),
    path: z.string().min(1).describe('SQLite database file, opened read-only.'),
    table,
    query,
    key: z
      .string()
      .min(1)
      .optional()
      .describe('Column whose value names each record in refs (`table:key`). Default: rowid for a table, the row number for a query.'),
  })
  .strict()
  .describe('SQLite database (better-sqlite3, an optional peer dependency): a table or a query, streamed row by row.');

const PostgresSourceSchema = z
  .object({
    type: z.literal('postgres'),
    url: z
      .string()
      .min(1)
      .optional()
      .describe('Connection string. Prefer `url_env` so that passwords stay out of config files.'),
    url_env: z.string().min(1).default('DATABASE_URL').describe('Environment variable holding the connection string when `url` is unset.'),
    table,
    query,
    key: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Column whose value names each record in refs (a timestamp as its ISO instant). Default: the primary key for a table, the row number for a query, and for a table without a primary key the row number in the order the server returns rows, which an UPDATE can change (the export warns of it): set `key` there, as for a query whose order is not fixed.',
      ),
    batch_size: z.number().int().min(1).max(100_000).default(1000).describe('Rows fetched per round trip from the server-side cursor.'),
  })
  .strict()
  .describe('PostgreSQL (pg + pg-cursor, optional peer dependencies): a table or a query streamed through a server-side cursor in batches.');

/**
 * Where the export reads records from, discriminated on `type`. Every field is described and defaulted here; the
 * CLI's `lorakit.yaml`, its flags and the server's request bodies derive from this schema.
 */
export const SourceConfigSchema = z
  .discriminatedUnion('type', [
    JsonlSourceSchema,
    JsonSourceSchema,
    CsvSourceSchema,
    ParquetSourceSchema,
    StdinSourceSchema,
    SqliteSourceSchema,
    PostgresSourceSchema,
  ], {
    // zod's own message ("Invalid discriminator value") does not say whether the type is missing or unknown.
    error: (issue) => {
      if (issue.code !== 'invalid_union' || !('options' in issue)) return undefined;
      const types = (issue.options as unknown[]).map((o) => `"${String(o)}"`).join(', ');
      const given = typeof issue.input === 'object' && issue.input !== null ? (issue.input as { type?: unknown }).type : undefined;
      return given === undefined ? `required: the kind of source, one of ${types}` : `unknown source type ${JSON.stringify(given)}; expected one of ${types}`;
    },
  })
  .superRefine((config, ctx) => {
    if ((config.type === 'csv' || (config.type === 'stdin' && config.format === 'csv')) && !config.header && config.columns === undefined) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'a CSV without a header row needs `columns`' });
    }
    if (config.type === 'sqlite' || config.type === 'postgres') {
      if ((config.table === undefined) === (config.query === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['table'], message: 'set exactly one of `table` and `query`' });
      }
    }
  })
  .describe('The data source: a file (jsonl, json, csv, parquet), stdin, SQLite or PostgreSQL.');

/** A validated source configuration (defaults applied). */
export type SourceConfig = z.infer<typeof SourceConfigSchema>;
/** A source configuration as written by a user (defaults may be omitted). */
export type SourceConfigInput = z.input<typeof SourceConfigSchema>;
