import type { Kysely } from 'kysely';

import { createTable, flagColumn, flagType, idType, millisType, textType } from './columns.js';

// Websites (issue 6). `spec` is the site as its owner described it (the contract's SiteSpec, JSON);
// the agent renders nginx and PHP-FPM files from it. A domain belongs to one site only: the
// primary key of website_domains says so on every dialect. Two sites never share a root folder.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'websites')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('type', 'varchar(16)', (col) => col.notNull())
    .addColumn('primary_domain', 'varchar(253)', (col) => col.notNull())
    .addColumn('root', 'varchar(512)', (col) => col.unique())
    .addColumn('spec', textType(db), (col) => col.notNull())
    .addColumn('enabled', flagType, flagColumn('enabled', 1))
    .addColumn('created_by', idType)
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('updated_at', millisType, (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('websites_primary_domain_idx')
    .on('websites')
    .column('primary_domain')
    .execute();

  await createTable(db, 'website_domains')
    .addColumn('domain', 'varchar(253)', (col) => col.primaryKey())
    .addColumn('website_id', idType, (col) => col.notNull())
    .addForeignKeyConstraint('website_domains_website_id_fk', ['website_id'], 'websites', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('website_domains_website_id_idx')
    .on('website_domains')
    .column('website_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('website_domains').execute();
  await db.schema.dropTable('websites').execute();
}
