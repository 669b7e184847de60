import type { Insertable, Kysely } from 'kysely';

import { dialectOf } from './dialect.js';

type LooseDb = Kysely<Record<string, Record<string, unknown>>>;

/**
 * INSERT, or UPDATE the given columns when a row with the same key exists, on every dialect: ON
 * CONFLICT on SQLite and PostgreSQL, ON DUPLICATE KEY UPDATE on MySQL. The dialect switch lives here
 * and nowhere else.
 *
 * MySQL's form fires on a clash with any unique key, not just `key`: use this only on tables whose
 * one unique key is `key`, or the dialects will disagree.
 */
export async function upsert<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  row: Insertable<DB[T]>,
  key: readonly (keyof DB[T] & string)[],
  update: readonly (keyof DB[T] & string)[],
): Promise<void> {
  const values = row as Record<string, unknown>;
  // The same parameters again rather than MySQL's VALUES(col), which MySQL 8 deprecates and
  // MariaDB's replacement syntax (row aliases) does not exist.
  const changes = Object.fromEntries(update.map((column) => [column, values[column]]));
  // Kysely cannot type a query over a table chosen by a type parameter; the signature above is
  // what keeps callers honest.
  const loose = db as unknown as LooseDb;
  const insert = loose.insertInto(table as string).values(values);
  if (dialectOf(db) === 'mysql') {
    await insert.onDuplicateKeyUpdate(changes).execute();
  } else {
    await insert.onConflict((conflict) => conflict.columns(key).doUpdateSet(changes)).execute();
  }
}
