import type BetterSqlite3 from 'better-sqlite3';
import { ExportError } from '../errors.js';
import { createSource, finiteOrText } from './base-source.js';
import { resolveInputFile } from './file-input.js';
import { normalizeValue } from './normalize-value.js';
import type { Source } from './source.js';
import { quoteIdentifier, quoteName, shortSql } from './sql-text.js';

/** The settings of a SQLite source config. */
export interface SqliteSourceOptions {
  path: string;
  table?: string | undefined;
  query?: string | undefined;
  key?: string | undefined;
}

// Selected beside the table's columns to name rows by rowid; never a user's column name.
const ROWID_ALIAS = '__lorakit_rowid__';

async function loadDriver(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    throw new ExportError(
      'EXPORT_DEPENDENCY_MISSING',
      'Reading SQLite needs the optional package "better-sqlite3" (12.x): npm install better-sqlite3',
      { cause: error },
    );
  }
}


/**
 * A SQLite table or query read row by row with `stmt.iterate()`, the database opened read-only. Refs are
 * `<table>:<key>` (rowid by default), `query:<key>` with `key`, or `query#<row>` (1-based row number) without.
 */
export async function openSqliteSource(options: SqliteSourceOptions, cwd: string | undefined): Promise<Source> {
  const file = await resolveInputFile(options.path, cwd);
  const Database = await loadDriver();
  let db: BetterSqlite3.Database;
  try {
    db = new Database(file.absolute, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new ExportError('EXPORT_SOURCE_UNREADABLE', `Cannot open SQLite database ${file.absolute}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { table, query, key } = options;
  const description = table !== undefined ? `sqlite ${file.name} table ${table}` : `sqlite ${file.name} query ${shortSql(query ?? '')}`;
  let statement: BetterSqlite3.Statement;
  let keyColumn: string | undefined;
  try {
    if (table !== undefined) {
      keyColumn = key ?? ROWID_ALIAS;
      const from = quoteIdentifier(table);
      // Check the key before ordering by it, so a wrong key is reported as such, not as an SQL error.
      const columns = db.prepare(`SELECT * FROM ${from}`).columns().map((column) => column.name);
      if (key !== undefined && !columns.includes(key)) {
        throw new ExportError('EXPORT_CONFIG_INVALID', `${description}: the key column "${key}" is not among the columns (${columns.join(', ')})`);
      }
      const select = key === undefined ? `rowid AS "${ROWID_ALIAS}", *` : '*';
      statement = db.prepare(`SELECT ${select} FROM ${from} ORDER BY ${key === undefined ? 'rowid' : quoteName(key)}`);
    } else {
      keyColumn = key;
      statement = db.prepare(query as string);
    }
    if (!statement.reader || !statement.readonly) throw new Error('give a read-only SELECT statement');
    statement.raw(true).safeIntegers(true);
  } catch (error) {
    db.close();
    if (error instanceof ExportError) throw error;
    let message = (error as Error).message;
    // A WITHOUT ROWID table has no rowid to order and name its rows by.
    if (table !== undefined && key === undefined && /no such column: rowid/i.test(message)) {
      message += ` (a WITHOUT ROWID table: set source.key to a column that identifies a row)`;
    }
    throw new ExportError(
      /no such table/i.test(message) ? 'EXPORT_SOURCE_NOT_FOUND' : 'EXPORT_SOURCE_QUERY_FAILED',
      `${description} in ${file.absolute}: ${message}`,
      { cause: error },
    );
  }
  const names = statement.columns().map((column) => column.name);
  // A record keeps one value per name: of two columns of one name (a join), one would vanish or fill the wrong field.
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) {
    db.close();
    throw new ExportError('EXPORT_CONFIG_INVALID', `${description}: names the column "${twice}" twice (${names.join(', ')}): rename one with AS`);
  }
  const keyIndex = keyColumn === undefined ? -1 : names.indexOf(keyColumn);
  if (keyColumn !== undefined && keyIndex === -1) {
    db.close();
    throw new ExportError('EXPORT_CONFIG_INVALID', `${description}: the key column "${keyColumn}" is not among the columns (${names.join(', ')})`);
  }
  const prefix = table ?? 'query';
  const stmt = statement;
  return createSource({
    description,
    files: [file.absolute],
    async *pass({ signal }) {
      const rows = stmt.iterate() as IterableIterator<unknown[]>;
      try {
        let n = 0;
        for (const row of rows) {
          n++;
          const record: Record<string, unknown> = {};
          for (let i = 0; i < names.length; i++) {
            if (i === keyIndex && keyColumn === ROWID_ALIAS) continue;
            const value = row[i];
            // With safeIntegers on, a number is always a REAL.
            record[names[i] as string] = typeof value === 'number' ? finiteOrText(value) : normalizeValue(value);
          }
          const ref = keyIndex === -1 ? `${prefix}#${n}` : `${prefix}:${String(normalizeValue(row[keyIndex]))}`;
          yield { ref, record };
          if (signal.aborted) return;
        }
      } finally {
        rows.return?.();
      }
    },
    close() {
      db.close();
    },
  });
}
