import type { Kysely } from 'kysely';

import { createTable, flagColumn, flagType, idType, millisType, textType } from './columns.js';

// HTTPS for websites. One row per site that has a certificate (none: no row): where it came from
// (Let's Encrypt or pasted by its owner), the site's HTTPS switches, and what the certificate on
// disk says (issuer, names, validity, serial), so that the renewal sweep can ask for the ones that
// expire soon without asking the agent about every site. The certificate and its key live on the
// host only (root-only files written by the agent); the panel database never holds a private key.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'website_certificates')
    .addColumn('website_id', idType, (col) => col.primaryKey())
    .addColumn('source', 'varchar(16)', (col) => col.notNull())
    .addColumn('force_https', flagType, flagColumn('force_https', 0))
    .addColumn('hsts', flagType, flagColumn('hsts', 0))
    .addColumn('issuer', 'varchar(512)', (col) => col.notNull())
    .addColumn('domains', textType(db), (col) => col.notNull())
    .addColumn('serial', 'varchar(128)', (col) => col.notNull())
    .addColumn('not_before', millisType, (col) => col.notNull())
    .addColumn('not_after', millisType, (col) => col.notNull())
    .addColumn('last_error', textType(db))
    .addColumn('updated_at', millisType, (col) => col.notNull())
    .addForeignKeyConstraint('website_certificates_website_id_fk', ['website_id'], 'websites', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('website_certificates_not_after_idx')
    .on('website_certificates')
    .column('not_after')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('website_certificates').execute();
}
