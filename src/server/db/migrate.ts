import { Migrator } from 'kysely';
import type { Kysely, MigrationResultSet } from 'kysely';

import { migrations } from './migrations/index.js';

export interface MigrationState {
  name: string;
  /** When it ran; null while it is pending. */
  executedAt: Date | null;
}

function migratorFor<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'diwan_migration',
    migrationLockTableName: 'diwan_migration_lock',
  });
}

/** Runs every pending migration; returns the names it ran. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  return namesOrThrow(await migratorFor(db).migrateToLatest(), 'up');
}

/** Undoes exactly the latest executed migration; returns its name, or null when none had run. */
export async function migrateDown<DB>(db: Kysely<DB>): Promise<string | null> {
  return namesOrThrow(await migratorFor(db).migrateDown(), 'down')[0] ?? null;
}

/** Every known migration in order, with when it ran. Read-only: creates no tables. */
export async function migrationStatus<DB>(db: Kysely<DB>): Promise<MigrationState[]> {
  const infos = await migratorFor(db).getMigrations();
  return infos.map((info) => ({ name: info.name, executedAt: info.executedAt ?? null }));
}

/** Names of the migrations that have not run yet, in the order they would run. */
export async function pendingMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  return (await migrationStatus(db)).filter((m) => m.executedAt === null).map((m) => m.name);
}

// Kysely reports failures in the result set instead of throwing; turn them into an Error that says
// which migration failed, keeping the driver's error as the cause.
function namesOrThrow(set: MigrationResultSet, direction: 'up' | 'down'): string[] {
  if (set.error !== undefined) {
    const failed = set.results?.find((r) => r.status === 'Error');
    const reason = set.error instanceof Error ? set.error.message : String(set.error);
    const what = failed
      ? `migration ${failed.migrationName} failed (${direction})`
      : `migrating ${direction} failed`;
    throw new Error(`${what}: ${reason}`, { cause: set.error });
  }
  return (set.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
