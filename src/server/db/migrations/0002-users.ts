import { sql } from 'kysely';
import type { Kysely } from 'kysely';

import { createTable, flagColumn, idType, millisType, textType } from './columns.js';

// Users, their browser sessions and their API tokens. Sessions and tokens go with their user.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'users')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('username', 'varchar(64)', (col) => col.notNull())
    .addColumn('password_hash', 'varchar(255)', (col) => col.notNull())
    .addColumn('totp_secret', 'varchar(255)')
    .addColumn('totp_enabled', 'smallint', flagColumn('totp_enabled', 0))
    .addColumn('locale', 'varchar(16)')
    .addColumn('must_change_password', 'smallint', flagColumn('must_change_password', 0))
    .addColumn('disabled', 'smallint', flagColumn('disabled', 0))
    .addColumn('failed_logins', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('updated_at', millisType, (col) => col.notNull())
    .addUniqueConstraint('users_username_key', ['username'])
    .execute();

  await createTable(db, 'sessions')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('token_hash', 'varchar(128)', (col) => col.notNull())
    .addColumn('user_id', idType, (col) => col.notNull())
    // 45 characters hold any IPv6 address, IPv4-mapped included.
    .addColumn('ip', 'varchar(45)')
    .addColumn('user_agent', textType(db))
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('last_seen_at', millisType, (col) => col.notNull())
    .addColumn('expires_at', millisType, (col) => col.notNull())
    .addColumn('revoked_at', millisType)
    .addUniqueConstraint('sessions_token_hash_key', ['token_hash'])
    // Table-level: MySQL ignores REFERENCES written inside a column definition.
    .addForeignKeyConstraint('sessions_user_id_fk', ['user_id'], 'users', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

  await createTable(db, 'api_tokens')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('user_id', idType, (col) => col.notNull())
    .addColumn('name', 'varchar(128)', (col) => col.notNull())
    .addColumn('token_hash', 'varchar(128)', (col) => col.notNull())
    .addColumn('scope', 'varchar(16)', (col) => col.notNull())
    .addColumn('allowed_ips', textType(db))
    .addColumn('expires_at', millisType)
    .addColumn('last_used_at', millisType)
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('revoked_at', millisType)
    .addUniqueConstraint('api_tokens_token_hash_key', ['token_hash'])
    .addForeignKeyConstraint('api_tokens_user_id_fk', ['user_id'], 'users', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('api_tokens_scope_check', sql`scope in ('read', 'admin')`)
    .execute();
  await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_tokens').execute();
  await db.schema.dropTable('sessions').execute();
  await db.schema.dropTable('users').execute();
}
