import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, createTestUser, loginSession, type TestApp } from '../../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('PATCH /api/v1/auth/me', () => {
  it('keeps the language with the user, audited, and back to the browser with null', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const session = await loginSession(current, user);
    const patch = (payload: unknown) =>
      current!.app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: session.changeHeaders,
        payload: payload as object,
      });
    const changed = await patch({ locale: 'ar' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().user.locale).toBe('ar');
    const me = await current.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: session.readHeaders,
    });
    expect(me.json().user.locale).toBe('ar');
    expect((await current.services.users.findById(user.id))?.locale).toBe('ar');
    const audit = await current.services.audit.list({ action: 'auth.preferences', limit: 10 });
    expect(audit.map((row) => row.outcome)).toEqual(['success']);

    expect((await patch({ locale: null })).json().user.locale).toBeNull();
  });

  it('refuses an unknown language or field with 400 naming it, and changes nothing', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const session = await loginSession(current, user);
    for (const [payload, field] of [
      [{ locale: 'fr' }, 'locale'],
      [{ locale: 'en', username: 'root' }, 'body'],
    ] as const) {
      const response = await current.app.inject({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: session.changeHeaders,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'DIWAN_E_VALIDATION', field });
    }
    expect((await current.services.users.findById(user.id))?.locale).toBeNull();
  });
});
