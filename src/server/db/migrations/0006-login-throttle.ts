import type { Kysely } from 'kysely';

import { createTable, millisType } from './columns.js';

// Failed-login counters and lockouts, per IP (`ip:…`) and per username (`user:…`). In the panel
// database rather than in memory, so that every web instance sees the same lockouts and
// `diwan user unlock` can lift one from the console.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'login_throttle')
    .addColumn('key', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('window_start', millisType, (col) => col.notNull())
    .addColumn('failures', 'integer', (col) => col.notNull())
    .addColumn('locked_until', millisType)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_throttle').execute();
}
