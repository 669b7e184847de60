import { Secret, TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  createTestUser,
  entranceOf,
  loginSession,
  type TestApp,
  type TestUser,
} from '../../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const STEP_MS = 30_000;

/** The code an authenticator app shows at the test clock's time. */
function codeAt(testApp: TestApp, secret: string): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate({ timestamp: testApp.clock.now });
}

/** Six digits that match no step in the accepted window (one step either side of now). */
function wrongCodeAt(testApp: TestApp, secret: string): string {
  const window = new Set(
    [-STEP_MS, 0, STEP_MS].map((offset) =>
      new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
        timestamp: testApp.clock.now + offset,
      }),
    ),
  );
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(6, '0');
    if (!window.has(candidate)) return candidate;
  }
}

async function login(testApp: TestApp, user: TestUser, extra: { totp?: string; recoveryCode?: string } = {}) {
  return testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: {
      username: user.username,
      password: user.password,
      entrance: await entranceOf(testApp),
      ...extra,
    },
  });
}

async function auditText(testApp: TestApp): Promise<string> {
  const rows = await testApp.panelDb.db.selectFrom('audit_log').selectAll().execute();
  return JSON.stringify(rows);
}

async function totpColumns(testApp: TestApp, userId: string) {
  return testApp.panelDb.db
    .selectFrom('users')
    .select(['totp_secret', 'totp_enabled'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

/** Logs in, runs setup and enables 2FA through the API; every TOTP code used is returned too. */
async function enableTwoFactor(testApp: TestApp) {
  const user = await createTestUser(testApp);
  const session = await loginSession(testApp, user);
  const setup = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/2fa/setup',
    headers: session.changeHeaders,
  });
  expect(setup.statusCode).toBe(200);
  const { secret } = setup.json() as { secret: string; uri: string; qrSvg: string };
  testApp.clock.now += STEP_MS;
  const code = codeAt(testApp, secret);
  const enabled = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/auth/2fa/enable',
    headers: session.changeHeaders,
    payload: { code },
  });
  expect(enabled.statusCode).toBe(200);
  const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };
  return { user, session, secret, recoveryCodes, codesUsed: [code] };
}

describe('two-factor authentication through the API', () => {
  it('enables with a right code, then asks for a code at login, refuses replays and reused recovery codes, and disables with a code', async () => {
    current = await buildTestApp();
    const testApp = current;
    const user = await createTestUser(testApp);
    const session = await loginSession(testApp, user);

    const before = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/auth/2fa',
      headers: session.readHeaders,
    });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ enabled: false, remainingRecoveryCodes: 0 });

    const setup = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/2fa/setup',
      headers: session.changeHeaders,
    });
    expect(setup.statusCode).toBe(200);
    const { secret, uri, qrSvg } = setup.json() as { secret: string; uri: string; qrSvg: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Diwan:admin\?/);
    expect(new URL(uri).searchParams.get('secret')).toBe(secret);
    expect(qrSvg.trimStart()).toMatch(/^<svg[\s>]/);
    expect(qrSvg).not.toMatch(/<script/i);

    // Set up but not confirmed: login still needs no code.
    expect((await login(testApp, user)).statusCode).toBe(200);

    const wrong = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/2fa/enable',
      headers: session.changeHeaders,
      payload: { code: wrongCodeAt(testApp, secret) },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'code' });

    const enableCode = codeAt(testApp, secret);
    const enable = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/2fa/enable',
      headers: session.changeHeaders,
      payload: { code: enableCode },
    });
    expect(enable.statusCode).toBe(200);
    const { recoveryCodes } = enable.json() as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const status = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/auth/2fa',
      headers: session.readHeaders,
    });
    expect(status.json()).toEqual({ enabled: true, remainingRecoveryCodes: 10 });

    const noCode = await login(testApp, user);
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().error.code).toBe('DIWAN_E_TOTP_REQUIRED');
    expect(noCode.cookies.find((c) => c.name === 'diwan_session')).toBeUndefined();

    // The code that enabled 2FA is spent: it cannot log in within the same step.
    expect((await login(testApp, user, { totp: enableCode })).statusCode).toBe(401);

    testApp.clock.now += STEP_MS;
    const code = codeAt(testApp, secret);
    const withCode = await login(testApp, user, { totp: code });
    expect(withCode.statusCode).toBe(200);
    expect(withCode.json().user.totpEnabled).toBe(true);

    const replay = await login(testApp, user, { totp: code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('DIWAN_E_UNAUTHORIZED');
    expect(replay.cookies.find((c) => c.name === 'diwan_session')).toBeUndefined();

    const recoveryCode = recoveryCodes[0]!;
    expect((await login(testApp, user, { recoveryCode })).statusCode).toBe(200);
    const reused = await login(testApp, user, { recoveryCode });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('DIWAN_E_UNAUTHORIZED');

    const afterRecovery = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/auth/2fa',
      headers: session.readHeaders,
    });
    expect(afterRecovery.json()).toEqual({ enabled: true, remainingRecoveryCodes: 9 });

    testApp.clock.now += STEP_MS;
    const wrongDisable = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/2fa/disable',
      headers: session.changeHeaders,
      payload: { code: wrongCodeAt(testApp, secret) },
    });
    expect(wrongDisable.statusCode).toBe(400);
    expect(wrongDisable.json().error).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'code' });
    expect((await totpColumns(testApp, user.id)).totp_enabled).toBe(1);

    const disable = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/2fa/disable',
      headers: session.changeHeaders,
      payload: { code: codeAt(testApp, secret) },
    });
    expect(disable.statusCode).toBe(200);
    expect(disable.json()).toEqual({ ok: true });

    const plain = await login(testApp, user);
    expect(plain.statusCode).toBe(200);
    expect(plain.json().user.totpEnabled).toBe(false);
    const off = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/auth/2fa',
      headers: session.readHeaders,
    });
    expect(off.json()).toEqual({ enabled: false, remainingRecoveryCodes: 0 });
    expect(await totpColumns(testApp, user.id)).toEqual({ totp_secret: null, totp_enabled: 0 });
  });

  it('keeps the secret sealed at rest and out of the audit log and the logs, which record enable and disable', async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, session, secret, recoveryCodes, codesUsed } = await enableTwoFactor(testApp);

    const stored = await totpColumns(testApp, user.id);
    expect(stored.totp_enabled).toBe(1);
    expect(stored.totp_secret).toMatch(/^v1\./);
    expect(stored.totp_secret).not.toContain(secret);

    testApp.clock.now += STEP_MS;
    const loginCode = codeAt(testApp, secret);
    expect((await login(testApp, user, { totp: loginCode })).statusCode).toBe(200);
    codesUsed.push(loginCode);
    expect((await login(testApp, user, { recoveryCode: recoveryCodes[1]! })).statusCode).toBe(200);

    // Still sealed after the logins that read it.
    expect((await totpColumns(testApp, user.id)).totp_secret).toMatch(/^v1\./);

    testApp.clock.now += STEP_MS;
    const disableCode = codeAt(testApp, secret);
    const disable = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/2fa/disable',
      headers: session.changeHeaders,
      payload: { code: disableCode },
    });
    expect(disable.statusCode).toBe(200);
    codesUsed.push(disableCode);

    const rows = await testApp.panelDb.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'actor_name'])
      .orderBy('id', 'asc')
      .execute();
    expect(rows).toContainEqual({ action: 'auth.2fa_enable', outcome: 'success', actor_name: 'admin' });
    expect(rows).toContainEqual({ action: 'auth.2fa_disable', outcome: 'success', actor_name: 'admin' });

    const secretsAndCodes = [
      secret,
      ...recoveryCodes,
      ...recoveryCodes.map((code) => code.replace(/-/g, '')),
    ];
    // TOTP codes are six digits: only a match standing alone counts (timestamps hold digit runs).
    const digitRuns = (text: string) => new Set(text.match(/(?<![0-9])[0-9]{6}(?![0-9])/g) ?? []);
    for (const [name, text] of [
      ['audit log', await auditText(testApp)],
      ['logs', testApp.logs.text],
    ] as const) {
      for (const value of secretsAndCodes) expect(text, `${name} holds ${value}`).not.toContain(value);
      for (const code of codesUsed) expect(digitRuns(text).has(code), `${name} holds ${code}`).toBe(false);
    }
  });

  it("turns off with the console's reset (services.twoFactor.reset), no code needed", async () => {
    current = await buildTestApp();
    const testApp = current;
    const { user, session } = await enableTwoFactor(testApp);
    expect((await login(testApp, user)).json().error.code).toBe('DIWAN_E_TOTP_REQUIRED');

    await testApp.services.twoFactor.reset(user.id);

    expect(await totpColumns(testApp, user.id)).toEqual({ totp_secret: null, totp_enabled: 0 });
    expect(await testApp.services.twoFactor.remainingRecoveryCodes(user.id)).toBe(0);
    const plain = await login(testApp, user);
    expect(plain.statusCode).toBe(200);
    expect(plain.json().user.totpEnabled).toBe(false);

    // Past the 10 s credential cache, the session sees the change too.
    testApp.clock.now += 11_000;
    const status = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/auth/2fa',
      headers: session.readHeaders,
    });
    expect(status.json()).toEqual({ enabled: false, remainingRecoveryCodes: 0 });
  });
});
