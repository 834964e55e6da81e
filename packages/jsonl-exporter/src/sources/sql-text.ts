/** Quotes one name (a column) for SQLite and PostgreSQL: `a"b` → `"a""b"`. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a possibly schema-qualified table name (`main.docs` → `"main"."docs"`). */
export function quoteIdentifier(name: string): string {
  return name.split('.').map(quoteName).join('.');
}

/** A query on one line, cut to 60 characters, for descriptions and messages. */
export function shortSql(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
