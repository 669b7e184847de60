import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeForEachDialect } from '../../../test/support/databases.js';
import { openPanelDb } from './connection.js';
import type { PanelDb } from './connection.js';
import { migrateDown, migrateToLatest, migrationStatus, pendingMigrations } from './migrate.js';
import { migrations } from './migrations/index.js';

/** The tables each migration creates; a new migration adds its line here. */
const tablesOf: Record<string, string[]> = {
  '0001_settings': ['settings'],
  '0002_users': ['users', 'sessions', 'api_tokens'],
  '0003_audit_log': ['audit_log'],
  '0004_tasks': ['tasks', 'task_logs'],
  '0005_two_factor': ['recovery_codes'],
  '0006_login_throttle': ['login_throttle'],
  '0007_task_owner': [],
  '0008_databases': ['databases', 'database_users', 'database_grants'],
  '0009_websites': ['websites', 'website_domains'],
  '0010_website_certificates': ['website_certificates'],
};
const names = Object.keys(migrations);

function tablesAfter(executed: string[]): string[] {
  return executed.flatMap((name) => tablesOf[name] ?? []).sort();
}

describeForEachDialect('migrations', (suite) => {
  let panel: PanelDb;
  beforeAll(() => {
    panel = openPanelDb(suite.config());
  });
  afterAll(async () => {
    await panel?.close();
  });

  async function panelTables(): Promise<string[]> {
    const tables = await panel.db.introspection.getTables();
    return tables
      .map((t) => t.name)
      .filter((name) => !name.startsWith('diwan_migration'))
      .sort();
  }

  it('lists every migration in the test table, in order', () => {
    expect(names).toEqual(Object.keys(tablesOf));
    expect(names).toEqual([...names].sort());
  });

  it('go up, down one step at a time, and up again', async () => {
    expect(await pendingMigrations(panel.db)).toEqual(names);
    expect(await migrationStatus(panel.db)).toEqual(names.map((name) => ({ name, executedAt: null })));
    expect(await panelTables()).toEqual([]);

    const before = Date.now();
    expect(await migrateToLatest(panel.db)).toEqual(names);
    expect(await pendingMigrations(panel.db)).toEqual([]);
    const status = await migrationStatus(panel.db);
    expect(status.map((m) => m.name)).toEqual(names);
    for (const m of status) {
      expect(m.executedAt).toBeInstanceOf(Date);
      // Within a minute either way: the server's clock, with second precision on some dialects.
      expect(Math.abs(m.executedAt!.getTime() - before)).toBeLessThan(60_000);
    }
    expect(await panelTables()).toEqual(tablesAfter(names));
    expect(await migrateToLatest(panel.db)).toEqual([]);

    for (let i = names.length - 1; i >= 0; i--) {
      expect(await migrateDown(panel.db)).toBe(names[i]);
      expect(await pendingMigrations(panel.db)).toEqual(names.slice(i));
      expect(await panelTables()).toEqual(tablesAfter(names.slice(0, i)));
    }
    expect(await migrateDown(panel.db)).toBeNull();
    expect((await migrationStatus(panel.db)).every((m) => m.executedAt === null)).toBe(true);

    expect(await migrateToLatest(panel.db)).toEqual(names);
    expect(await panelTables()).toEqual(tablesAfter(names));
  });

  it('names the migration that failed, and the next run applies what is missing', async () => {
    while ((await migrateDown(panel.db)) !== null);
    // A stray table where 0002 wants to create one.
    await sql`create table users (x integer)`.execute(panel.db);
    let pending: string[];
    try {
      await expect(migrateToLatest(panel.db)).rejects.toThrow(/^migration 0002_users failed \(up\): /);
      pending = await pendingMigrations(panel.db);
    } finally {
      await sql`drop table users`.execute(panel.db);
    }
    // MySQL commits each DDL statement, so 0001 stays applied there; on SQLite and PostgreSQL the
    // batch runs in one transaction and rolls back whole.
    expect(pending).toEqual(suite.dialect === 'mysql' ? names.slice(1) : names);
    expect(await migrateToLatest(panel.db)).toEqual(pending);
    expect(await pendingMigrations(panel.db)).toEqual([]);
  });
});
