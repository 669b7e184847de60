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

describe('security settings', () => {
  it('changes the entrance and the timeouts; the new entrance works at once and the old one is gone', async () => {
    current = await buildTestApp();
    const session = await loginSession(current, await createTestUser(current));
    const before = (
      await current.app.inject({
        method: 'GET',
        url: '/api/v1/settings/security',
        headers: session.readHeaders,
      })
    ).json();
    expect(before).toMatchObject({ idleMinutes: 120, lifetimeHours: 168 });

    const changed = await current.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings/security',
      headers: session.changeHeaders,
      payload: { entrance: 'my_new-door_2026', idleMinutes: 30 },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ entrance: 'my_new-door_2026', idleMinutes: 30, lifetimeHours: 168 });
    expect((await current.app.inject({ method: 'GET', url: '/my_new-door_2026' })).statusCode).toBe(200);
    expect((await current.app.inject({ method: 'GET', url: `/${before.entrance}` })).statusCode).toBe(404);
    expect(await current.services.audit.list({ action: 'settings.security', limit: 5 })).toHaveLength(1);

    // The new idle timeout applies to existing sessions.
    current.clock.now += 31 * 60_000;
    expect(
      (await current.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.readHeaders }))
        .statusCode,
    ).toBe(401);
  });

  it('refuses a bad entrance or timeout with 400 naming the field, and changes nothing', async () => {
    current = await buildTestApp();
    const headers = await tokenHeaders(current);
    const before = await current.services.security.current();
    const bad: [string, unknown][] = [
      ...[...hostile.path.values, ...hostile.shell.values, 'short', 'x'.repeat(65)].map(
        (v): [string, unknown] => ['entrance', v],
      ),
      ['idleMinutes', 1],
      ['idleMinutes', 1.5],
      ['lifetimeHours', 0],
      ['lifetimeHours', 100_000],
      ['unknownSetting', 1],
    ];
    for (const [field, value] of bad) {
      const response = await current.app.inject({
        method: 'PATCH',
        url: '/api/v1/settings/security',
        headers,
        payload: { [field]: value },
      });
      expect(response.statusCode, `${field}=${JSON.stringify(value)}`).toBe(400);
      expect(response.json().error.code).toBe('DIWAN_E_VALIDATION');
      if (field !== 'unknownSetting') expect(response.json().error.field).toBe(field);
    }
    expect(await current.services.security.current()).toEqual(before);
    const stored = await current.panelDb.db.selectFrom('settings').selectAll().execute();
    expect(stored.map((row) => row.key)).toEqual(['security.entrance']);
  });
});
