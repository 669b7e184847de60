import type { Kysely } from 'kysely';

import { createTable, millisType, textType } from './columns.js';

// Migrations are frozen history: they spell out their own names and lists rather than import them
// from code that will change.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'settings')
    .addColumn('key', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('value', textType(db), (col) => col.notNull())
    .addColumn('updated_at', millisType, (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('settings').execute();
}
