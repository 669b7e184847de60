import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, CreateTableBuilder, Expression, Kysely } from 'kysely';

import { dialectOf } from '../dialect.js';

// Column types that mean the same thing on all three dialects. Migrations use these rather than
// spelling types out, so a table cannot quietly differ between SQLite, MariaDB and PostgreSQL.

/** Application-made ids: crypto.randomUUID() is 36 characters. */
export const idType = 'varchar(36)';
/** Epoch milliseconds. */
export const millisType = 'bigint';
/** 0/1 booleans; pair with `flagColumn`. */
export const flagType = 'smallint';

/**
 * Unindexed text of any size. MySQL's TEXT stops at 64 KB, so MEDIUMTEXT (16 MB) there; SQLite and
 * PostgreSQL TEXT has no such limit.
 */
export function textType(db: Kysely<unknown>): Expression<unknown> {
  return dialectOf(db) === 'mysql' ? sql`mediumtext` : sql`text`;
}

/**
 * CREATE TABLE with MySQL table options: InnoDB for foreign keys, utf8mb4 for Arabic and emoji, and a
 * binary collation so that strings compare byte for byte as they do on SQLite and PostgreSQL (a
 * case-insensitive collation would make token hashes and usernames collide).
 */
export function createTable(db: Kysely<unknown>, name: string): CreateTableBuilder<string, never> {
  const builder = db.schema.createTable(name);
  return dialectOf(db) === 'mysql'
    ? builder.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`)
    : builder;
}

/** A NOT NULL 0/1 column with a default, held to 0/1 by a CHECK constraint. */
export function flagColumn(name: string, defaultValue: 0 | 1) {
  return (col: ColumnDefinitionBuilder) =>
    col
      .notNull()
      .defaultTo(defaultValue)
      .check(sql`${sql.ref(name)} in (0, 1)`);
}

/**
 * An increasing integer primary key for append-only logs. Each dialect spells it differently:
 * SQLite allows AUTOINCREMENT only on INTEGER PRIMARY KEY, PostgreSQL uses an identity column.
 */
export function addOrderKey<T extends string>(
  db: Kysely<unknown>,
  builder: CreateTableBuilder<T, never>,
  name: string,
): CreateTableBuilder<T, string> {
  switch (dialectOf(db)) {
    case 'sqlite':
      return builder.addColumn(name, 'integer', (col) => col.primaryKey().autoIncrement());
    case 'mysql':
      return builder.addColumn(name, 'bigint', (col) => col.primaryKey().autoIncrement());
    case 'postgres':
      return builder.addColumn(name, 'bigint', (col) => col.primaryKey().generatedByDefaultAsIdentity());
  }
}
