import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

import { describeForEachDialect } from '../../../test/support/databases.js';
import { openPanelDb } from './connection.js';
import type { PanelDb } from './connection.js';
import { migrateToLatest } from './migrate.js';
import type { NewUser } from './schema.js';

// The portability rules of schema.ts, checked on every dialect: what one store sees, all see.

describeForEachDialect('panel schema', (suite) => {
  let panel: PanelDb;
  const now = 1_700_000_000_000;

  beforeAll(async () => {
    panel = openPanelDb(suite.config());
    await migrateToLatest(panel.db);
  });
  afterAll(async () => {
    await panel?.close();
  });
  beforeEach(async () => {
    await panel.db.deleteFrom('task_logs').execute();
    await panel.db.deleteFrom('tasks').execute();
    await panel.db.deleteFrom('users').execute();
    await panel.db.deleteFrom('audit_log').execute();
  });

  function newUser(username: string): NewUser {
    return { id: randomUUID(), username, password_hash: 'hash', created_at: now, updated_at: now };
  }

  async function addSession(userId: string): Promise<void> {
    await panel.db
      .insertInto('sessions')
      .values({
        id: randomUUID(),
        token_hash: randomUUID(),
        user_id: userId,
        ip: '2001:db8::1',
        user_agent: 'vitest',
        created_at: now,
        last_seen_at: now,
        expires_at: now + 3_600_000,
        revoked_at: null,
      })
      .execute();
  }

  it('deleting a user deletes their sessions and API tokens (ON DELETE CASCADE)', async () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    await panel.db.insertInto('users').values([alice, bob]).execute();
    await addSession(alice.id);
    await addSession(alice.id);
    await addSession(bob.id);
    await panel.db
      .insertInto('api_tokens')
      .values({
        id: randomUUID(),
        user_id: alice.id,
        name: 'ci',
        token_hash: randomUUID(),
        scope: 'read',
        allowed_ips: JSON.stringify(['10.0.0.0/8']),
        expires_at: null,
        last_used_at: null,
        created_at: now,
        revoked_at: null,
      })
      .execute();

    await panel.db.deleteFrom('users').where('id', '=', alice.id).execute();

    const sessions = await panel.db.selectFrom('sessions').select('user_id').execute();
    expect(sessions).toEqual([{ user_id: bob.id }]);
    expect(await panel.db.selectFrom('api_tokens').selectAll().execute()).toEqual([]);
  });

  it('refuses a session for a user that does not exist (foreign keys are on)', async () => {
    await expect(addSession(randomUUID())).rejects.toThrow();
  });

  it('deleting a task deletes its log lines', async () => {
    const id = randomUUID();
    await panel.db
      .insertInto('tasks')
      .values({
        id,
        kind: 'test',
        title: 'test',
        state: 'queued',
        created_by: null,
        created_at: now,
        started_at: null,
        finished_at: null,
        error: null,
        input: '{}',
        result: null,
      })
      .execute();
    await panel.db
      .insertInto('task_logs')
      .values(
        [1, 2, 3].map((seq) => ({ task_id: id, seq, at: now + seq, stream: 'stdout', line: `line ${seq}` })),
      )
      .execute();
    await expect(
      panel.db
        .insertInto('task_logs')
        .values({ task_id: id, seq: 2, at: now, stream: 'stdout', line: 'again' })
        .execute(),
    ).rejects.toThrow();

    await panel.db.deleteFrom('tasks').where('id', '=', id).execute();
    expect(await panel.db.selectFrom('task_logs').selectAll().execute()).toEqual([]);
  });

  it('returns timestamps and flags as JS numbers, with defaults filled in', async () => {
    const big = Number.MAX_SAFE_INTEGER;
    await panel.db
      .insertInto('users')
      .values({ ...newUser('carol'), created_at: big })
      .execute();
    const row = await panel.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'carol')
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(big);
    expect(row.updated_at).toBe(now);
    expect(row).toMatchObject({ totp_enabled: 0, must_change_password: 0, disabled: 0, failed_logins: 0 });
    expect(typeof row.disabled).toBe('number');
  });

  it('holds flags to 0 and 1, task states and progress to their lists', async () => {
    await expect(
      panel.db
        .insertInto('users')
        .values({ ...newUser('dave'), disabled: 2 as 0 })
        .execute(),
    ).rejects.toThrow();
    const task = {
      kind: 'test',
      title: 't',
      created_by: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      error: null,
      input: '{}',
      result: null,
    };
    await expect(
      panel.db
        .insertInto('tasks')
        .values({ ...task, id: randomUUID(), state: 'bogus' as 'queued' })
        .execute(),
    ).rejects.toThrow();
    await expect(
      panel.db
        .insertInto('tasks')
        .values({ ...task, id: randomUUID(), state: 'running', progress: 101 })
        .execute(),
    ).rejects.toThrow();
    expect(await panel.db.selectFrom('tasks').selectAll().execute()).toEqual([]);
  });

  it('keeps usernames unique, comparing byte for byte on every dialect', async () => {
    await panel.db.insertInto('users').values(newUser('erin')).execute();
    await expect(panel.db.insertInto('users').values(newUser('erin')).execute()).rejects.toThrow();
    // MySQL's default collations would call these equal; the tables use utf8mb4_bin.
    await panel.db.insertInto('users').values(newUser('Erin')).execute();
    const found = await panel.db
      .selectFrom('users')
      .select('username')
      .where('username', '=', 'ERIN')
      .execute();
    expect(found).toEqual([]);
  });

  it('numbers audit entries in the order they were written', async () => {
    const entry = { at: now, actor_type: 'system', action: 'test.write', outcome: 'success' };
    for (const target of ['first', 'second', 'third']) {
      await panel.db
        .insertInto('audit_log')
        .values({ ...entry, target })
        .execute();
    }
    const rows = await panel.db.selectFrom('audit_log').select(['id', 'target']).orderBy('id').execute();
    expect(rows.map((r) => r.target)).toEqual(['first', 'second', 'third']);
    expect(rows.every((r) => typeof r.id === 'number')).toBe(true);
    expect(rows[0]!.id).toBeLessThan(rows[1]!.id);
    expect(rows[1]!.id).toBeLessThan(rows[2]!.id);
  });
});
