import { sql } from 'kysely';
import type { Kysely } from 'kysely';

import { createTable, idType, millisType, textType } from './columns.js';

// Long work and its log. created_by has no foreign key: a task may be started by a token or by the
// system, and it outlives the user who started it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await createTable(db, 'tasks')
    .addColumn('id', idType, (col) => col.primaryKey())
    .addColumn('kind', 'varchar(64)', (col) => col.notNull())
    .addColumn('title', 'varchar(255)', (col) => col.notNull())
    .addColumn('state', 'varchar(16)', (col) => col.notNull())
    .addColumn('progress', 'smallint', (col) => col.notNull().defaultTo(0))
    .addColumn('created_by', idType)
    .addColumn('created_at', millisType, (col) => col.notNull())
    .addColumn('started_at', millisType)
    .addColumn('finished_at', millisType)
    .addColumn('error', textType(db))
    .addColumn('input', textType(db), (col) => col.notNull())
    .addColumn('result', textType(db))
    .addCheckConstraint(
      'tasks_state_check',
      sql`state in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')`,
    )
    .addCheckConstraint('tasks_progress_check', sql`progress between 0 and 100`)
    .execute();
  await db.schema.createIndex('tasks_state_idx').on('tasks').column('state').execute();
  await db.schema.createIndex('tasks_created_at_idx').on('tasks').column('created_at').execute();

  await createTable(db, 'task_logs')
    .addColumn('task_id', idType, (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('at', millisType, (col) => col.notNull())
    .addColumn('stream', 'varchar(16)', (col) => col.notNull())
    .addColumn('line', textType(db), (col) => col.notNull())
    .addPrimaryKeyConstraint('task_logs_pk', ['task_id', 'seq'])
    .addForeignKeyConstraint('task_logs_task_id_fk', ['task_id'], 'tasks', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('task_logs').execute();
  await db.schema.dropTable('tasks').execute();
}
