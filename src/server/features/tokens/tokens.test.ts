import { afterEach, describe, expect, it } from 'vitest';
import hostile from '../../../../test/fixtures/hostile-inputs.json' with { type: 'json' };
import {
  buildTestApp,
  createTestUser,
  loginSession,
  tokenHeaders,
  type TestApp,
} from '../../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function me(testApp: TestApp, token: string, remoteAddress?: string) {
  return testApp.app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: bearer(token),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

/** A logged-in admin and a way to create tokens with its session, as the panel's page does. */
async function withSession(testApp: TestApp) {
  const user = await createTestUser(testApp);
  const session = await loginSession(testApp, user);
  const create = (payload: Record<string, unknown>) =>
    testApp.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: session.changeHeaders, payload });
  return { user, session, create };
}

describe('API tokens', () => {
  it('creates a token with a session, shows it once, and lists only its metadata', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, session, create } = await withSession(testApp);

    const created = await create({ name: 'ci deploy', scope: 'read' });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      name: 'ci deploy',
      scope: 'read',
      allowedIps: null,
      expiresAt: null,
      lastUsedAt: null,
      createdAt: testApp.clock.now,
    });
    expect(body.token).toMatch(/^dwt_\S{20,}$/);

    const list = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/tokens',
      headers: session.readHeaders,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([
      {
        id: body.id,
        name: 'ci deploy',
        scope: 'read',
        allowedIps: null,
        expiresAt: null,
        lastUsedAt: null,
        createdAt: testApp.clock.now,
      },
    ]);
    expect(list.body).not.toContain(body.token);

    const [row] = await testApp.services.tokens.listActive(user.id);
    expect(row?.token_hash).not.toContain(body.token);

    const whoami = await me(testApp, body.token);
    expect(whoami.statusCode).toBe(200);
    expect(whoami.json()).toMatchObject({
      user: { id: user.id, username: user.username },
      via: 'token',
      scope: 'read',
      csrfToken: null,
    });
  });

  it('refuses changes with a read token (403) and lets an admin token create and revoke', async () => {
    current = await buildTestApp();
    const testApp = current;
    const owner = await createTestUser(testApp);
    const read = await tokenHeaders(testApp, 'read', owner);
    const admin = await tokenHeaders(testApp, 'admin', owner);
    const [target] = await testApp.services.tokens.listActive(owner.id);

    const readCreate = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: read,
      payload: { name: 'sneaky', scope: 'admin' },
    });
    expect(readCreate.statusCode).toBe(403);
    expect(readCreate.json().error.code).toBe('DIWAN_E_FORBIDDEN');
    const readDelete = await testApp.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${target!.id}`,
      headers: read,
    });
    expect(readDelete.statusCode).toBe(403);
    expect(readDelete.json().error.code).toBe('DIWAN_E_FORBIDDEN');
    expect(await testApp.services.tokens.listActive(owner.id)).toHaveLength(2);

    const created = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: admin,
      payload: { name: 'made by token', scope: 'read' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json() as { id: string; token: string };
    expect((await me(testApp, token)).statusCode).toBe(200);

    const revoked = await testApp.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${id}`,
      headers: admin,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toEqual({ ok: true });

    const after = await me(testApp, token);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('DIWAN_E_UNAUTHORIZED');
    const again = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: admin });
    expect(again.statusCode).toBe(404);
    expect((await testApp.services.tokens.listActive(owner.id)).map((row) => row.id)).not.toContain(id);
  });

  it('stops accepting a token at its expiry, cache or not', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { create } = await withSession(testApp);
    const expiresAt = testApp.clock.now + 60_000;
    const created = await create({ name: 'short lived', expiresAt });
    expect(created.statusCode).toBe(201);
    expect(created.json().expiresAt).toBe(expiresAt);
    const { token } = created.json() as { token: string };

    expect((await me(testApp, token)).statusCode).toBe(200);
    testApp.clock.now = expiresAt - 1;
    expect((await me(testApp, token)).statusCode).toBe(200);
    testApp.clock.now = expiresAt;
    expect((await me(testApp, token)).statusCode).toBe(401);
    // Past the 10 s credential cache too: read again from the database, still expired.
    testApp.clock.now = expiresAt + 11_000;
    const expired = await me(testApp, token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('DIWAN_E_UNAUTHORIZED');
  });

  it('accepts a token with an IP allow-list only from inside it', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { create } = await withSession(testApp);
    const created = await create({ name: 'office only', scope: 'admin', allowedIps: ['10.0.0.0/8'] });
    expect(created.statusCode).toBe(201);
    expect(created.json().allowedIps).toEqual(['10.0.0.0/8']);
    const { token } = created.json() as { token: string };

    const outside = await me(testApp, token, '203.0.113.9');
    expect(outside.statusCode).toBe(401);
    expect(outside.json().error.code).toBe('DIWAN_E_UNAUTHORIZED');
    expect((await me(testApp, token, '10.1.2.3')).statusCode).toBe(200);
    // The cached credential is checked against the address every time.
    expect((await me(testApp, token, '203.0.113.9')).statusCode).toBe(401);
    expect((await me(testApp, token, '11.0.0.1')).statusCode).toBe(401);
  });

  it('refuses hostile names, an empty name, a past expiry and a bad allow-list with a 400 and creates nothing', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, create } = await withSession(testApp);
    const count = async () => (await testApp.services.tokens.listActive(user.id)).length;

    // Spaces are part of the name contract (`may hold letters, digits, spaces and . _ -`) and the name
    // is trimmed, so these two are accepted: they must be stored as the inert text the contract allows.
    const allowed = new Map([
      ['a b', 'a b'],
      ['a.com\t', 'a.com'],
    ]);
    const names = [...hostile.shell.values, ...hostile.nginx.values, '', '   '];
    for (const name of names) {
      const before = await count();
      const response = await create({ name, scope: 'admin' });
      if (allowed.has(name)) {
        expect(response.statusCode, JSON.stringify(name)).toBe(201);
        expect(response.json().name).toBe(allowed.get(name));
        continue;
      }
      expect(response.statusCode, JSON.stringify(name)).toBe(400);
      expect(response.json().error, JSON.stringify(name)).toMatchObject({
        code: 'DIWAN_E_VALIDATION',
        field: 'name',
      });
      expect(await count(), JSON.stringify(name)).toBe(before);
    }
    const stored = (await testApp.services.tokens.listActive(user.id)).map((row) => row.name).sort();
    expect(stored).toEqual(['a b', 'a.com']);

    const before = await count();
    for (const expiresAt of [testApp.clock.now - 1, testApp.clock.now]) {
      const past = await create({ name: 'late', expiresAt });
      expect(past.statusCode).toBe(400);
      expect(past.json().error).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'expiresAt' });
    }

    const badIp = await create({ name: 'bad ip', allowedIps: ['not-an-ip'] });
    expect(badIp.statusCode).toBe(400);
    expect(badIp.json().error.code).toBe('DIWAN_E_VALIDATION');
    expect(badIp.json().error.field).toMatch(/^allowedIps/);
    expect(await count()).toBe(before);
  });
});
