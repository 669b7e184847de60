import type { Kysely } from 'kysely';

import { addOrderKey, createTable, idType, millisType, textType } from './columns.js';

// Append-only: the integer id is the order entries were written in, which `at` alone cannot give
// (two entries in the same millisecond).

export async function up(db: Kysely<unknown>): Promise<void> {
  await addOrderKey(db, createTable(db, 'audit_log'), 'id')
    .addColumn('at', millisType, (col) => col.notNull())
    .addColumn('actor_type', 'varchar(16)', (col) => col.notNull())
    .addColumn('actor_id', idType)
    .addColumn('actor_name', 'varchar(128)')
    .addColumn('ip', 'varchar(45)')
    .addColumn('action', 'varchar(96)', (col) => col.notNull())
    .addColumn('target', 'varchar(255)')
    .addColumn('outcome', 'varchar(16)', (col) => col.notNull())
    .addColumn('details', textType(db))
    .addColumn('request_id', 'varchar(64)')
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').column('action').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
}
