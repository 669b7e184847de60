import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { adminUrlFor, dropDeadRunDatabases, withAdmin } from './databases.js';

/** A pid no process has now: one that just exited (reuse within the test is vanishingly unlikely). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  expect(child.status).toBe(0);
  return child.pid!;
}

describe('test databases left by a killed run', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    it(`are dropped on ${dialect}, while a live process's stay`, async () => {
      const admin = adminUrlFor(dialect);
      const dead = `diwan_t_${deadPid()}_0badc0de`;
      const live = `diwan_t_${process.pid}_0badc0df`;
      const names = async () => {
        let found: string[] = [];
        await withAdmin(admin, async (db) => {
          const query =
            dialect === 'mysql'
              ? sql<{ name: string }>`select schema_name as name from information_schema.schemata`
              : sql<{ name: string }>`select datname as name from pg_database`;
          found = (await query.execute(db)).rows.map((row) => row.name);
        });
        return found;
      };
      await withAdmin(admin, async (db) => {
        for (const name of [dead, live]) await sql`create database ${sql.id(name)}`.execute(db);
      });
      try {
        expect(await names()).toEqual(expect.arrayContaining([dead, live]));
        await dropDeadRunDatabases(admin, dialect);
        const after = await names();
        expect(after).not.toContain(dead);
        expect(after).toContain(live);
      } finally {
        await withAdmin(admin, async (db) => {
          for (const name of [dead, live]) await sql`drop database if exists ${sql.id(name)}`.execute(db);
        });
      }
    });
  }
});
