import type pg from 'pg';
import type PgCursor from 'pg-cursor';
import type { UnsafeNumber } from '@lorakit/schema-validation';
import { ExportError } from '../errors.js';
import { redactSecrets } from '../internal/redact-config.js';
import { toText } from '../internal/text.js';
import { parseIsoInstant } from '../select/compare-values.js';
import { createSource, finiteOrText, isRecord, parseJsonChecked, pointerToken, UnsafeJson, unsafeJsonIn, unsafeNumbersItem } from './base-source.js';
import { normalizeValue } from './normalize-value.js';
import type { Source } from './source.js';
import { quoteIdentifier, quoteName, shortSql } from './sql-text.js';

/** The settings of a PostgreSQL source config. */
export interface PostgresSourceOptions {
  url?: string | undefined;
  url_env: string;
  table?: string | undefined;
  query?: string | undefined;
  key?: string | undefined;
  batch_size: number;
}

const INT8 = 20;
const NUMERIC = 1700;
const FLOAT4 = 700;
const FLOAT8 = 701;
const FLOAT4_ARRAY = 1021;
const FLOAT8_ARRAY = 1022;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const JSON_OID = 114;
const JSONB = 3802;
const INTERVAL = 1186;
const TEXT_ARRAY = 1009;
/** Arrays whose elements this source parses itself (pg-types' array parsers lose digits or use local time). */
const ARRAY_ELEMENT: Record<number, number> = {
  1016: INT8,
  1231: NUMERIC,
  1182: DATE,
  1115: TIMESTAMP,
  1185: TIMESTAMPTZ,
  199: JSON_OID,
  3807: JSONB,
  1187: INTERVAL,
};
/** A timestamp with more than milliseconds: `2020-01-01 10:00:00.123456`, optionally `+02`, `+05:30` or `+00:19:32`. */
const SUB_MILLISECOND = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{4,})(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?$/;

async function loadDrivers(): Promise<{ Client: typeof pg.Client; Cursor: typeof PgCursor }> {
  try {
    const [pgModule, cursorModule] = await Promise.all([import('pg'), import('pg-cursor')]);
    return { Client: pgModule.default.Client, Cursor: cursorModule.default };
  } catch (error) {
    throw new ExportError(
      'EXPORT_DEPENDENCY_MISSING',
      'Reading PostgreSQL needs the optional packages "pg" and "pg-cursor": npm install pg pg-cursor',
      { cause: error },
    );
  }
}

function parseNumeric(text: string): number | string {
  const digits = text.replace(/[-+.]|^0+|e.*$/gi, '').length;
  const n = Number(text);
  return Number.isFinite(n) && digits <= 15 ? n : text;
}

/**
 * A timestamp with microseconds as the ISO instant in UTC with all its digits (`2020-01-01T08:00:00.123456Z`): a
 * Date holds milliseconds, so two rows 100 µs apart would read, and be named, the same. Undefined for any other text.
 */
function subMillisecondInstant(text: string): string | undefined {
  const m = SUB_MILLISECOND.exec(text);
  if (m === null) return undefined;
  const [, day, time, fraction, sign, hours, minutes = '0', seconds = '0'] = m as unknown as (string | undefined)[];
  const local = parseIsoInstant(`${day}T${time}Z`);
  if (local === undefined) return undefined;
  // Offsets are whole seconds (`+00:19:32` for Amsterdam's time before 1937), so the fraction is the same in UTC.
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  return `${new Date(local - offset).toISOString().slice(0, -4)}${fraction}Z`;
}

/** The elements of a PostgreSQL array (any dimensions) parsed by `parse`; NULL stays null. */
function parseArrayWith(types: typeof pg.types, parse: (text: string) => unknown): (text: string) => unknown {
  const parseTexts = types.getTypeParser(TEXT_ARRAY as Parameters<typeof types.getTypeParser>[0], 'text') as (text: string) => unknown;
  const each = (value: unknown): unknown => (Array.isArray(value) ? value.map(each) : typeof value === 'string' ? parse(value) : value);
  return (text: string) => {
    const parsed = each(parseTexts(text));
    const unsafe = unsafeJsonIn(parsed);
    return unsafe.length === 0 ? parsed : new UnsafeJson(unsafe);
  };
}

/** A float: NaN and ±Infinity, which JSON has no number for, stay PostgreSQL's text (as numeric's do). */
function parseFloatText(text: string): number | string {
  return finiteOrText(Number(text));
}

/** The floats of a (multi-dimensional) float array, non-finite ones as text, as single floats are. */
function floatsOrText(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(floatsOrText);
  return typeof value === 'number' ? finiteOrText(value) : value;
}

/**
 * Type parsers for this source's connections only (never pg's global ones): int8 and numeric become numbers when
 * exact, else strings; float NaN and ±Infinity stay text; `date` stays the string `YYYY-MM-DD` and `timestamp`
 * (without time zone) is read as UTC, so results never depend on the machine's time zone; the timestamps
 * `infinity` and `-infinity` stay text (JSON would write them as null); a timestamp with microseconds is its ISO
 * text with every digit; json and jsonb are parsed as JSON sources are, so an integer beyond 2^53 rejects its row
 * instead of losing digits; `interval` stays PostgreSQL's text (`1 day 02:00:00`). Arrays of these types get the
 * same treatment element by element.
 */
function typeParsers(types: typeof pg.types): pg.CustomTypesConfig {
  const getTypeParser = (oid: number, format?: 'text' | 'binary'): unknown => {
    if (format === undefined || format === 'text') {
      const element = ARRAY_ELEMENT[oid];
      if (element !== undefined) return parseArrayWith(types, getTypeParser(element, 'text') as (text: string) => unknown);
      if (oid === INTERVAL) return (text: string) => text;
      if (oid === INT8) return (text: string) => normalizeValue(BigInt(text));
      if (oid === NUMERIC) return parseNumeric;
      if (oid === FLOAT4 || oid === FLOAT8) return parseFloatText;
      if (oid === FLOAT4_ARRAY || oid === FLOAT8_ARRAY) {
        // pg-types registers parsers for these array OIDs, though its TypeId enum lists scalar types only.
        const parse = types.getTypeParser(oid as Parameters<typeof types.getTypeParser>[0], 'text') as (text: string) => unknown;
        return (text: string) => floatsOrText(parse(text));
      }
      if (oid === DATE) return (text: string) => text;
      if (oid === TIMESTAMP) {
        return (text: string) => {
          const micro = subMillisecondInstant(text);
          if (micro !== undefined) return micro;
          const t = parseIsoInstant(text.endsWith('Z') ? text : `${text}Z`);
          return t === undefined ? text : new Date(t);
        };
      }
      if (oid === TIMESTAMPTZ) {
        const parse = types.getTypeParser(oid, 'text') as (text: string) => unknown;
        return (text: string) => (text === 'infinity' || text === '-infinity' ? text : (subMillisecondInstant(text) ?? parse(text)));
      }
      if (oid === JSON_OID || oid === JSONB) return parseJsonChecked;
    }
    return types.getTypeParser(oid as Parameters<typeof types.getTypeParser>[0], format ?? 'text');
  };
  return { getTypeParser: getTypeParser as pg.CustomTypesConfig['getTypeParser'] };
}


/**
 * A PostgreSQL table or query streamed through a server-side cursor, `batch_size` rows per round trip; the whole
 * result is never in memory. Refs are `<table>:<key>` (the primary key by default, values joined by `,` when it
 * has several columns), `query:<key>` with `key`, or `query#<row>` (1-based row number) without.
 */
export async function openPostgresSource(options: PostgresSourceOptions, env: NodeJS.ProcessEnv): Promise<Source> {
  const url = options.url ?? env[options.url_env];
  if (url === undefined || url === '') {
    throw new ExportError(
      'EXPORT_CONFIG_INVALID',
      `PostgreSQL source: no connection string; set \`url\` or the environment variable ${options.url_env}`,
    );
  }
  // pg reads URLs, `socket:` URLs and `/socket/dir database`, not libpq's `host=… port=…`: such a string failed
  // later with a confusing "getaddrinfo ENOTFOUND" for a host made of its pieces.
  if (/^\s*\w+\s*=/.test(url)) {
    const from = options.url !== undefined ? '`url`' : `the environment variable ${options.url_env}`;
    throw new ExportError(
      'EXPORT_CONFIG_INVALID',
      `PostgreSQL source: ${from} is not a postgres:// URL (postgres://user:password@host:5432/database?sslmode=require); key=value connection strings are not read`,
    );
  }
  const { Client, Cursor } = await loadDrivers();
  const pgTypes = (await import('pg')).default.types;
  const where = redactSecrets(url);
  const { table, query, batch_size: batchSize } = options;
  const description = table !== undefined ? `postgres table ${table}` : `postgres query ${shortSql(query ?? '')}`;
  const types = typeParsers(pgTypes);

  async function connect(): Promise<pg.Client> {
    const client = new Client({ connectionString: url, types, application_name: 'lorakit-export' });
    // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new ExportError('EXPORT_SOURCE_UNREADABLE', `Cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return client;
  }

  // Resolve the key and the SQL once, on a first connection, so a missing table fails at open time.
  let keyColumns: string[] = options.key === undefined ? [] : [options.key];
  let sql: string;
  const probe = await connect();
  try {
    if (table !== undefined) {
      if (options.key === undefined) {
        const result = await probe.query<{ attname: string }>(
          `SELECT a.attname FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = $1::regclass AND i.indisprimary
            ORDER BY array_position(i.indkey, a.attnum)`,
          [quoteIdentifier(table)],
        );
        keyColumns = result.rows.map((row) => row.attname);
      }
      sql = `SELECT * FROM ${quoteIdentifier(table)}`;
    } else {
      // A trailing semicolon would break the subquery below; the statement itself is the user's, unchanged.
      sql = (query as string).trim().replace(/;+\s*$/, '');
    }
    // Zero rows, but the server checks the statement and reports its columns. The newline ends a trailing `--`
    // comment of the statement, which would otherwise swallow the rest of this line.
    const check = await probe.query(`SELECT * FROM (${sql}\n) AS lorakit_probe LIMIT 0`);
    const columns = check.fields.map((field) => field.name);
    // pg's row objects keep the last of two columns of one name: the other would vanish, or fill the wrong field.
    const twice = columns.find((column, i) => columns.indexOf(column) !== i);
    if (twice !== undefined) {
      throw new ExportError('EXPORT_CONFIG_INVALID', `${description}: names the column "${twice}" twice (${columns.join(', ')}): rename one with AS`);
    }
    const missing = keyColumns.filter((column) => !columns.includes(column));
    if (missing.length > 0) {
      throw new ExportError('EXPORT_CONFIG_INVALID', `${description}: the key column "${missing.join(', ')}" is not among the columns (${columns.join(', ')})`);
    }
    // Ordered by the key only after checking it, so that a wrong key is reported as such, not as an SQL error.
    if (table !== undefined && keyColumns.length > 0) sql += ` ORDER BY ${keyColumns.map(quoteName).join(', ')}`;
  } catch (error) {
    if (error instanceof ExportError) throw error;
    const code = (error as { code?: string }).code;
    throw new ExportError(
      code === '42P01' ? 'EXPORT_SOURCE_NOT_FOUND' : 'EXPORT_SOURCE_QUERY_FAILED',
      `${description} at ${where}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await probe.end().catch(() => undefined);
  }

  const prefix = table ?? 'query';
  const warnings: string[] = [];
  if (table !== undefined && keyColumns.length === 0) {
    warnings.push(
      `${description} has no primary key and source.key is not set: its rows are read in the server's order and named by ` +
        `position (${prefix}#1, ${prefix}#2, …), which an UPDATE or VACUUM can change; without split.id_field, records then move ` +
        'between splits and partitions. Set source.key to a unique column',
    );
  }
  return createSource({
    description,
    warnings,
    async *pass({ signal }) {
      const client = await connect();
      const cursor = client.query(new Cursor<Record<string, unknown>>(sql));
      try {
        let n = 0;
        for (;;) {
          let rows: Record<string, unknown>[];
          try {
            rows = await cursor.read(batchSize);
          } catch (error) {
            throw new ExportError('EXPORT_SOURCE_QUERY_FAILED', `${description} at ${where}: ${(error as Error).message}`, {
              cause: error,
            });
          }
          if (rows.length === 0) return;
          for (let i = 0; i < rows.length; i++) {
            n++;
            const record = rows[i] as Record<string, unknown>;
            let unsafe: UnsafeNumber[] | undefined;
            for (const k in record) {
              const v = record[k];
              if (v instanceof UnsafeJson) (unsafe ??= []).push(...v.found.map((u) => ({ path: `/${pointerToken(k)}${u.path}`, message: u.message })));
              else if (v !== null && typeof v === 'object' && !(v instanceof Date)) record[k] = normalizeValue(v);
            }
            let ref: string;
            if (keyColumns.length === 0) ref = `${prefix}#${n}`;
            // As text: a timestamp key as its ISO instant, the same in every time zone (String() of a Date is local).
            else if (keyColumns.length === 1) ref = `${prefix}:${keyText(record[keyColumns[0] as string])}`;
            else ref = `${prefix}:${keyColumns.map((column) => keyText(record[column])).join(',')}`;
            yield unsafe !== undefined ? unsafeNumbersItem(ref, unsafe) : { ref, record };
            if (signal.aborted) return;
          }
        }
      } finally {
        await cursor.close().catch(() => undefined);
        await client.end().catch(() => undefined);
      }
    },
  });
}

/**
 * A key value in a ref: a timestamp as its ISO instant (String() of a Date is the machine's local time), a json
 * object as JSON text (not "[object Object]"); anything else as String() has always written it (an array `1,2`).
 */
function keyText(value: unknown): string {
  if (value instanceof Date || (isRecord(value) && !Array.isArray(value))) return toText(value) ?? String(value);
  return String(value);
}
