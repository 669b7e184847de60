import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeForEachDialect,
  type TestDatabase,
} from '../../../test/support/databases.js';
import {
  BACKED_UP_TABLES,
  BackupError,
  NOT_BACKED_UP,
  backupPanel,
  defaultBackupFile,
  pruneBackups,
  restorePanel,
} from './backup.js';
import { openPanelDb, type PanelDb } from './connection.js';
import { migrateToLatest } from './migrate.js';

const now = 1_790_000_000_000;

/** A row in every table, with the values each dialect must give back alike (unicode, nulls, big numbers). */
async function fill(panel: PanelDb, tag: string): Promise<{ userId: string }> {
  const db = panel.db;
  const userId = randomUUID();
  const taskId = randomUUID();
  const siteId = randomUUID();
  const databaseId = randomUUID();
  const dbUserId = randomUUID();
  await db
    .insertInto('settings')
    .values({ key: `k-${tag}`, value: 'قيمة "quoted"\n', updated_at: now })
    .execute();
  await db
    .insertInto('users')
    .values({
      id: userId,
      username: `u_${tag}`,
      password_hash: '$argon2id$x',
      locale: 'ar',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('api_tokens')
    .values({
      id: randomUUID(),
      user_id: userId,
      name: 'ci',
      token_hash: `h-${tag}`,
      scope: 'admin',
      allowed_ips: '["127.0.0.1"]',
      expires_at: null,
      last_used_at: null,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  await db
    .insertInto('recovery_codes')
    .values({ user_id: userId, code_hash: `c-${tag}`, created_at: now, used_at: null })
    .execute();
  await db
    .insertInto('sessions')
    .values({
      id: randomUUID(),
      token_hash: `s-${tag}`,
      user_id: userId,
      ip: null,
      user_agent: null,
      created_at: now,
      last_seen_at: now,
      expires_at: now + 1,
      revoked_at: null,
    })
    .execute();
  await db
    .insertInto('login_throttle')
    .values({ key: `ip:${tag}`, window_start: now, failures: 3, locked_until: null })
    .execute();
  for (let i = 0; i < 3; i += 1)
    await db
      .insertInto('audit_log')
      .values({
        at: now + i,
        actor_type: 'user',
        actor_id: userId,
        actor_name: null,
        ip: '::1',
        action: 'x.y',
        target: tag,
        outcome: 'success',
        details: '{"a":1}',
        request_id: null,
      })
      .execute();
  await db
    .insertInto('tasks')
    .values({
      id: taskId,
      kind: 'k',
      title: 't',
      state: 'succeeded',
      created_by: null,
      created_at: now,
      started_at: now,
      finished_at: now + 9_007_199_254,
      error: null,
      input: '{}',
      result: null,
      owner: null,
      heartbeat_at: null,
    })
    .execute();
  // More lines than a page of the backup's reads, so paging is exercised.
  const lines = Array.from({ length: 1_234 }, (_, i) => ({
    task_id: taskId,
    seq: i + 1,
    at: now,
    stream: 'stdout',
    line: `line ${i} ✓`,
  }));
  for (let i = 0; i < lines.length; i += 500)
    await db
      .insertInto('task_logs')
      .values(lines.slice(i, i + 500))
      .execute();
  await db
    .insertInto('websites')
    .values({
      id: siteId,
      type: 'static',
      primary_domain: `${tag}.example`,
      root: null,
      spec: '{}',
      created_by: userId,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('website_domains')
    .values({ domain: `${tag}.example`, website_id: siteId })
    .execute();
  await db
    .insertInto('website_certificates')
    .values({
      website_id: siteId,
      source: 'letsencrypt',
      force_https: 1,
      hsts: 0,
      issuer: 'CN=Pebble',
      domains: `["${tag}.example"]`,
      serial: 'ab12',
      not_before: now,
      not_after: now + 90 * 86_400_000,
      last_error: null,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('databases')
    .values({
      id: databaseId,
      engine: 'mariadb',
      name: `d_${tag}`,
      charset: null,
      collation: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('database_users')
    .values({
      id: dbUserId,
      engine: 'mariadb',
      username: `du_${tag}`,
      hosts: '["localhost"]',
      password_sealed: 'sealed',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('database_grants')
    .values({ database_id: databaseId, user_id: dbUserId, owner: 1, created_at: now })
    .execute();
  return { userId };
}

/** Every backed-up table's rows in key order, as plain values. */
async function snapshot(panel: PanelDb): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const table of BACKED_UP_TABLES) {
    let query = panel.db.selectFrom(table.name).selectAll();
    for (const column of table.key) query = query.orderBy(column as never);
    result[table.name] = await query.execute();
  }
  return result;
}

describeForEachDialect('panel backups', (suite) => {
  let panel: PanelDb;
  let dir: string;

  beforeAll(async () => {
    panel = openPanelDb(suite.config());
    await migrateToLatest(panel.db);
    dir = mkdtempSync(join(tmpdir(), 'diwan-backup-'));
  });
  afterAll(async () => {
    await panel?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up every panel table but sessions and throttles (a test fails when a new table is not listed)', async () => {
    const tables = (await panel.db.introspection.getTables())
      .map((table) => table.name)
      .filter((name) => !name.startsWith('diwan_migration'))
      .sort();
    expect(tables).toEqual([...BACKED_UP_TABLES.map((table) => table.name), ...NOT_BACKED_UP].sort());
  });

  it('restores exactly what it backed up, ends every session, and new audit rows follow the restored ones', async () => {
    await fill(panel, 'a');
    const before = await snapshot(panel);
    const file = join(dir, 'round-trip.jsonl.gz');
    const result = await backupPanel(panel, file, now);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
    expect(result.counts).toMatchObject({ users: 1, task_logs: 1_234, audit_log: 3 });
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    expect(text).not.toContain('s-a'); // the session's hash is not in it
    expect(text).not.toContain('ip:a');

    // Changes after the backup: all undone by the restore.
    await panel.db.deleteFrom('users').execute();
    await fill(panel, 'b');
    await restorePanel(panel, file);
    expect(await snapshot(panel)).toEqual(before);
    expect(await panel.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    expect(await panel.db.selectFrom('login_throttle').selectAll().execute()).toEqual([]);

    const maxBefore = Math.max(...(before.audit_log as { id: number }[]).map((row) => Number(row.id)));
    await panel.db
      .insertInto('audit_log')
      .values({
        at: now,
        actor_type: 'system',
        actor_id: null,
        actor_name: null,
        ip: null,
        action: 'after',
        target: null,
        outcome: 'success',
        details: null,
        request_id: null,
      })
      .execute();
    const added = await panel.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'after')
      .executeTakeFirstOrThrow();
    expect(Number(added.id)).toBeGreaterThan(maxBefore);
  });

  it('restores a backup taken on SQLite (moving a panel to another database)', async () => {
    const source: TestDatabase = await createTestDatabase('sqlite');
    const sqlitePanel = openPanelDb(source.config);
    try {
      await migrateToLatest(sqlitePanel.db);
      await fill(sqlitePanel, 'moved');
      const file = join(dir, 'from-sqlite.jsonl.gz');
      await backupPanel(sqlitePanel, file, now);
      await restorePanel(panel, file);
      expect(await snapshot(panel)).toEqual(await snapshot(sqlitePanel));
    } finally {
      await sqlitePanel.close();
      await source.drop();
    }
  });

  it('refuses a damaged, foreign or mismatched backup and changes nothing', async () => {
    await panel.db.deleteFrom('users').execute();
    await fill(panel, 'kept');
    const file = join(dir, 'good.jsonl.gz');
    await backupPanel(panel, file, now);
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!) as { migrations: string[] };
    const variant = (name: string, edited: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, gzipSync(`${edited.join('\n')}\n`));
      return path;
    };
    const bad = {
      truncated: variant('truncated', lines.slice(0, 40)),
      cut: (() => {
        const path = join(dir, 'cut');
        const bytes = readFileSync(file);
        writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
        return path;
      })(),
      foreign: variant('foreign', ['{"hello":"world"}']),
      notJson: variant('not-json', [lines[0]!, 'drop table users;']),
      otherMigrations: variant('other-migrations', [
        JSON.stringify({ ...header, migrations: [...header.migrations, '9999_future'] }),
        ...lines.slice(1),
      ]),
      unknownColumn: variant('unknown-column', [
        lines[0]!,
        JSON.stringify({
          table: 'settings',
          row: { key: 'x', value: 'y', updated_at: 1, 'value; drop table users': 1 },
        }),
        ...lines.slice(1),
      ]),
      unknownTable: variant('unknown-table', [
        lines[0]!,
        JSON.stringify({ table: 'diwan_migration', row: {} }),
        ...lines.slice(1),
      ]),
      badCell: variant('bad-cell', [
        lines[0]!,
        JSON.stringify({ table: 'settings', row: { key: 'x', value: { $gt: '' }, updated_at: 1 } }),
        ...lines.slice(1),
      ]),
      // A row that breaks a constraint only once inserting has begun: the transaction undoes it all.
      duplicate: variant('duplicate', [
        ...lines.slice(0, -1),
        lines.find((line) => line.includes('"table":"users"'))!,
        lines.at(-1)!.replace(/"users":1/, '"users":2'),
      ]),
    };
    await panel.db
      .insertInto('settings')
      .values({ key: 'after-backup', value: 'v', updated_at: now })
      .execute();
    const before = await snapshot(panel);
    for (const [name, path] of Object.entries(bad)) {
      const error = await restorePanel(panel, path).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, name).toBeInstanceOf(name === 'duplicate' ? Error : BackupError);
      expect(await snapshot(panel), name).toEqual(before);
    }
    expect(existsSync(file)).toBe(true);
  });

  it('names backups by time and keeps the newest', async () => {
    const folder = join(dir, 'kept');
    const names = ['2026-11-28', '2026-11-29', '2026-11-30'].map((day) =>
      defaultBackupFile(folder, new Date(`${day}T03:00:00Z`)),
    );
    expect(names[0]).toBe(join(folder, 'backups', 'panel-20261128T030000Z.jsonl.gz'));
    const backups = join(folder, 'backups');
    rmSync(backups, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(backups, { recursive: true });
    for (const name of names) writeFileSync(name, '');
    writeFileSync(join(backups, 'notes.txt'), '');
    expect(await pruneBackups(backups, 2)).toEqual(['panel-20261128T030000Z.jsonl.gz']);
    expect(readdirSync(backups).sort()).toEqual([
      'notes.txt',
      'panel-20261129T030000Z.jsonl.gz',
      'panel-20261130T030000Z.jsonl.gz',
    ]);
  });
});
