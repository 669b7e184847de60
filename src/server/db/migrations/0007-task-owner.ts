import type { Kysely } from 'kysely';

import { idType, millisType } from './columns.js';

// Which web instance runs a task and when it last said so: at start-up, and while running, an
// instance marks as interrupted only the tasks whose owner stopped saying so (several instances, or
// the old and new colours of a blue-green upgrade, share one panel database).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('owner', idType).execute();
  await db.schema.alterTable('tasks').addColumn('heartbeat_at', millisType).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('heartbeat_at').execute();
  await db.schema.alterTable('tasks').dropColumn('owner').execute();
}
