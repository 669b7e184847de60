import { afterEach, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  createTestUser,
  entranceOf,
  loginSession,
  tokenHeaders,
  type TestApp,
} from '../../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

interface Entry {
  id: number;
  at: number;
  actorType: string;
  actorName: string | null;
  ip: string | null;
  action: string;
  target: string | null;
  outcome: string;
}

const WRONG_PASSWORD = 'mallory-guesses-this-one';

/**
 * A login, a token created with the session, a failed login by someone else and the token's
 * revocation, a second apart, so both the ids and the times say which came first.
 */
async function fourEvents(testApp: TestApp) {
  const user = await createTestUser(testApp);
  const session = await loginSession(testApp, user);
  testApp.clock.now += 1000;
  const created = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: session.changeHeaders,
    payload: { name: 'deploy', scope: 'admin' },
  });
  expect(created.statusCode).toBe(201);
  const token = created.json() as { id: string; token: string };
  testApp.clock.now += 1000;
  const failed = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'mallory', password: WRONG_PASSWORD, entrance: await entranceOf(testApp) },
  });
  expect(failed.statusCode).toBe(401);
  testApp.clock.now += 1000;
  const revoked = await testApp.app.inject({
    method: 'DELETE',
    url: `/api/v1/tokens/${token.id}`,
    headers: session.changeHeaders,
  });
  expect(revoked.statusCode).toBe(200);
  // Read with a token of another user: reading (GET) is never audited, so it adds no rows.
  const reader = await tokenHeaders(testApp, 'admin');
  return { user, token, reader };
}

async function audit(testApp: TestApp, headers: Record<string, string>, query = '') {
  const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/audit${query}`, headers });
  return response;
}

async function entriesOf(testApp: TestApp, headers: Record<string, string>, query: string): Promise<Entry[]> {
  const response = await audit(testApp, headers, query);
  expect(response.statusCode, query).toBe(200);
  return (response.json() as { entries: Entry[] }).entries;
}

describe('the audit log', () => {
  it('lists logins, token changes and failures newest first, with actor, ip, action and outcome', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, token, reader } = await fourEvents(testApp);

    const response = await audit(testApp, reader);
    expect(response.statusCode).toBe(200);
    const page = response.json() as { entries: Entry[]; nextBefore: number | null };
    expect(page.nextBefore).toBeNull();
    expect(
      page.entries.map(({ actorType, actorName, ip, action, target, outcome }) => ({
        actorType,
        actorName,
        ip,
        action,
        target,
        outcome,
      })),
    ).toEqual([
      {
        actorType: 'user',
        actorName: user.username,
        ip: '127.0.0.1',
        action: 'token.revoke',
        target: token.id,
        outcome: 'success',
      },
      {
        actorType: 'anonymous',
        actorName: null, // an unknown username is not recorded: people type passwords there
        ip: '127.0.0.1',
        action: 'auth.login',
        target: null,
        outcome: 'failure',
      },
      {
        actorType: 'user',
        actorName: user.username,
        ip: '127.0.0.1',
        action: 'token.create',
        target: null,
        outcome: 'success',
      },
      {
        actorType: 'user',
        actorName: user.username,
        ip: '127.0.0.1',
        action: 'auth.login',
        target: null,
        outcome: 'success',
      },
    ]);
    const ids = page.entries.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const times = page.entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(times).size).toBe(4);
  });

  it('narrows by action, outcome and actor, and reads % and _ in a filter as themselves', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, reader } = await fourEvents(testApp);
    const get = (query: string) => entriesOf(testApp, reader, query);

    const logins = await get('?action=auth.login');
    expect(logins.map((e) => [e.action, e.outcome])).toEqual([
      ['auth.login', 'failure'],
      ['auth.login', 'success'],
    ]);
    const failures = await get('?outcome=failure');
    expect(failures.map((e) => [e.actorName, e.action])).toEqual([[null, 'auth.login']]);
    expect(JSON.stringify(failures)).not.toContain('mallory');
    const mine = await get(`?actor=${user.username}`);
    expect(mine.map((e) => e.action)).toEqual(['token.revoke', 'token.create', 'auth.login']);
    expect(mine.every((e) => e.actorName === user.username)).toBe(true);
    expect(await get('?actor=mallory&outcome=success')).toEqual([]);
    expect((await get('?action=token.&actor=admin')).map((e) => e.action)).toEqual([
      'token.revoke',
      'token.create',
    ]);

    // Wildcards would match every auth.* row; literally, nothing has these names yet.
    for (const action of ['auth%', '%', 'auth_login', '_', 'auth.log_n', '%login']) {
      expect(await get(`?action=${encodeURIComponent(action)}`), action).toEqual([]);
    }
    // …and they match themselves when an action really holds them.
    await testApp.services.audit.record({ actorType: 'system', action: 'auth%odd', outcome: 'success' });
    await testApp.services.audit.record({ actorType: 'system', action: 'auth_login', outcome: 'success' });
    expect((await get(`?action=${encodeURIComponent('auth%')}`)).map((e) => e.action)).toEqual(['auth%odd']);
    expect((await get('?action=auth_login')).map((e) => e.action)).toEqual(['auth_login']);
    expect((await get('?action=auth.login')).map((e) => e.action)).toEqual(['auth.login', 'auth.login']);
  });

  it('pages with limit and before through every entry once, and refuses a limit out of range', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { reader } = await fourEvents(testApp);
    // An odd total, so the last page is a short one.
    await testApp.services.audit.record({ actorType: 'system', action: 'test.fifth', outcome: 'success' });

    const all = await entriesOf(testApp, reader, '?limit=500');
    expect(all).toHaveLength(5);
    const walked: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${before === null ? '' : `&before=${before}`}`;
      const response = await audit(testApp, reader, query);
      expect(response.statusCode).toBe(200);
      const page = response.json() as { entries: Entry[]; nextBefore: number | null };
      expect(page.entries.length).toBeLessThanOrEqual(2);
      walked.push(...page.entries.map((entry) => entry.id));
      before = page.nextBefore;
      pages += 1;
    } while (before !== null && pages < 10);
    expect(pages).toBe(3);
    expect(walked).toEqual(all.map((entry) => entry.id));
    expect(new Set(walked).size).toBe(walked.length);

    for (const limit of ['0', '501', '-1', 'x']) {
      const response = await audit(testApp, reader, `?limit=${limit}`);
      expect(response.statusCode, limit).toBe(400);
      expect(response.json().error, limit).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'limit' });
    }
  });

  it('may be read with a read token', async () => {
    current = await buildTestApp();
    const testApp = current;
    await fourEvents(testApp);
    const read = await tokenHeaders(testApp, 'read');
    const response = await audit(testApp, read);
    expect(response.statusCode).toBe(200);
    expect((response.json() as { entries: Entry[] }).entries).toHaveLength(4);
  });

  it('holds no password and no token value in any row', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, token } = await fourEvents(testApp);

    const rows = await testApp.panelDb.db.selectFrom('audit_log').selectAll().execute();
    expect(rows.length).toBe(4);
    const text = JSON.stringify(rows);
    for (const secret of [user.password, WRONG_PASSWORD, token.token, token.token.slice(4)]) {
      expect(text).not.toContain(secret);
      expect(testApp.logs.text).not.toContain(secret);
    }
  });
});
