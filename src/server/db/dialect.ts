import { MysqlIntrospector, PostgresIntrospector, SqliteIntrospector } from 'kysely';
import type { Kysely } from 'kysely';

import type { DatabaseDialect } from '../config/types.js';

/**
 * Which dialect a Kysely instance (or a transaction of one) speaks. Migrations and the upsert helper
 * only get the Kysely instance, and the introspector is the public sign of its dialect.
 */
export function dialectOf<DB>(db: Kysely<DB>): DatabaseDialect {
  const introspector = db.introspection;
  if (introspector instanceof SqliteIntrospector) return 'sqlite';
  if (introspector instanceof MysqlIntrospector) return 'mysql';
  if (introspector instanceof PostgresIntrospector) return 'postgres';
  throw new Error('unsupported Kysely dialect: Diwan runs on SQLite, MariaDB/MySQL or PostgreSQL');
}
