import { sql } from 'kysely';
import type { Kysely } from 'kysely';

import { createTable, flagColumn, flagType, idType, millisType, textType } from './columns.js';

// Databases and users Diwan made on the host's MariaDB and PostgreSQL, and which user may use which
// database. The server holds the truth about what exists; these rows hold what the panel needs
// besides: who made it, the user's hosts, and the password sealed with the panel secret so that an
// administrator can reveal it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'databases')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('engine', 'varchar(16)', (col) => col.notNull())
    .addColumn('name', 'varchar(64)', (col) => col.notNull())
    .addColumn('charset', 'varchar(32)')
    .addColumn('collation', 'varchar(64)')
    .addColumn('created_by', 'varchar(128)')
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('updated_at', millisType, (col) => col.notNull())
    .addUniqueConstraint('databases_engine_name_key', ['engine', 'name'])
    .addCheckConstraint('databases_engine_check', sql`engine in ('mariadb', 'postgresql')`)
    .execute();

  await createTable(db, 'database_users')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('engine', 'varchar(16)', (col) => col.notNull())
    .addColumn('username', 'varchar(64)', (col) => col.notNull())
    /** JSON array of MariaDB hosts; empty for PostgreSQL roles. */
    .addColumn('hosts', textType(db), (col) => col.notNull())
    .addColumn('password_sealed', textType(db), (col) => col.notNull())
    .addColumn('remote_access', flagType, flagColumn('remote_access', 0))
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('updated_at', millisType, (col) => col.notNull())
    .addUniqueConstraint('database_users_engine_username_key', ['engine', 'username'])
    .addCheckConstraint('database_users_engine_check', sql`engine in ('mariadb', 'postgresql')`)
    .execute();

  await createTable(db, 'database_grants')
    .addColumn('database_id', idType, (col) => col.notNull())
    .addColumn('user_id', idType, (col) => col.notNull())
    /** 1 for the user made with the database (its owner on PostgreSQL). */
    .addColumn('owner', flagType, flagColumn('owner', 0))
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addPrimaryKeyConstraint('database_grants_pkey', ['database_id', 'user_id'])
    .addForeignKeyConstraint('database_grants_database_id_fk', ['database_id'], 'databases', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('database_grants_user_id_fk', ['user_id'], 'database_users', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('database_grants_user_id_idx')
    .on('database_grants')
    .column('user_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('database_grants').execute();
  await db.schema.dropTable('database_users').execute();
  await db.schema.dropTable('databases').execute();
}
