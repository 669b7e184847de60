import type { Kysely } from 'kysely';

import { createTable, idType, millisType } from './columns.js';

// Two-factor authentication: the last TOTP step a user logged in with (a code is good once), and
// the one-time recovery codes, stored as hashes.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_last_step', millisType).execute();
  await createTable(db, 'recovery_codes')
    .addColumn('user_id', idType, (col) => col.notNull())
    .addColumn('code_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('used_at', millisType)
    .addPrimaryKeyConstraint('recovery_codes_pkey', ['user_id', 'code_hash'])
    .addForeignKeyConstraint('recovery_codes_user_id_fk', ['user_id'], 'users', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema.alterTable('users').dropColumn('totp_last_step').execute();
}
