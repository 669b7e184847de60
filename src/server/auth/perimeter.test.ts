import { afterEach, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  createTestUser,
  loginSession,
  tokenHeaders,
  type TestApp,
} from '../../../test/support/app.js';
import { routesOf } from '../http/route-table.js';
import { hashPassword } from './passwords.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The short public list: everything else needs a session or a token. */
const PUBLIC = [
  'GET /healthz',
  'HEAD /healthz',
  'GET /readyz',
  'HEAD /readyz',
  'GET /metrics',
  'HEAD /metrics',
  'POST /api/v1/auth/login',
  // The security entrance: the page exists only at the secret path; any other segment is the plain 404.
  'GET /:entrance',
  'HEAD /:entrance',
  ...[
    'dashboard',
    'websites',
    'websites/:id',
    'databases',
    'databases/:id',
    'software',
    'audit',
    'settings',
    'settings/:tab',
    'assets/:file',
  ].flatMap((page) => [`GET /:entrance/${page}`, `HEAD /:entrance/${page}`]),
];
const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';

function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, SAMPLE_ID).replace(/\*$/, 'x');
}

describe('route walk', () => {
  it('answers the same plain 404 on every non-public route without credentials', async () => {
    current = await buildTestApp();
    // WebSocket routes too (as plain GETs here; live.test.ts walks their upgrades).
    const routes = routesOf(current.app);
    expect(routes.some((route) => route.websocket)).toBe(true);
    expect(routes.length).toBeGreaterThan(15);
    expect(
      routes
        .filter((route) => route.public)
        .map((r) => `${r.method} ${r.url}`)
        .sort(),
    ).toEqual([...PUBLIC].sort());

    for (const route of routes) {
      // From outside loopback, as an attacker would come: /metrics is then refused too.
      const response = await current.app.inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        remoteAddress: '203.0.113.9',
        ...(SAFE.has(route.method) ? {} : { payload: {} }),
      });
      const label = `${route.method} ${route.url}`;
      if (route.url === '/healthz' || route.url === '/readyz') {
        expect(response.statusCode, label).toBe(200);
        continue;
      }
      expect(response.statusCode, label).toBe(404);
      if (route.method !== 'HEAD') expect(response.body, label).toBe('Not Found\n');
      expect(response.headers['x-request-id'], label).toBeUndefined();
    }
  });

  it('answers the same bare 404, header for header, to junk credentials and odd paths', async () => {
    current = await buildTestApp({ metricsToken: 'metrics-token-0123456789' });
    const junk: Record<string, string>[] = [
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: 'Bearer junk' },
      { authorization: 'Bearer dwt_never-issued-never-issued-never-issued-00' },
      { cookie: 'diwan_session=1' },
      { cookie: 'diwan_session=dws_never-issued-never-issued-never-issued-000' },
    ];
    const fingerprint = (response: { headers: Record<string, unknown> }) =>
      Object.keys(response.headers)
        .filter((name) => name !== 'date')
        .sort()
        .join(',');
    const reference = fingerprint(await current.app.inject({ method: 'GET', url: '/no/such/path' }));
    expect(reference).toBe('connection,content-length,content-type');

    const routes = routesOf(current.app).filter((route) => !route.public);
    for (const route of routes) {
      for (const headers of junk) {
        const response = await current.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers,
          remoteAddress: '203.0.113.9',
          ...(SAFE.has(route.method) ? {} : { payload: {} }),
        });
        const label = `${route.method} ${route.url} ${JSON.stringify(headers)}`;
        expect(response.statusCode, label).toBe(404);
        expect(fingerprint(response), label).toBe(reference);
      }
    }
    for (const url of [
      '/%zz/x/y',
      '/api/docs/static/index.html',
      '/api/docs/json',
      '/metrics',
      '/guess-entrance',
      '/a/b/c',
    ]) {
      const response = await current.app.inject({
        method: 'GET',
        url,
        remoteAddress: '203.0.113.9',
        headers: { authorization: 'Bearer wrong-metrics-token' },
      });
      expect(response.statusCode, url).toBe(404);
      expect(fingerprint(response), url).toBe(reference);
    }
  });

  it('refuses every state-changing route to a read-only token with 403', async () => {
    current = await buildTestApp();
    const read = await tokenHeaders(current, 'read');
    const changing = routesOf(current.app).filter((route) => !SAFE.has(route.method) && !route.public);
    expect(changing.length).toBeGreaterThan(5);
    for (const route of changing) {
      const response = await current.app.inject({
        method: route.method as 'POST',
        url: concrete(route.url),
        headers: read,
        payload: {},
      });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(response.json().error.code).toBe('DIWAN_E_FORBIDDEN');
    }
  });
});

describe('security entrance', () => {
  it('serves the web interface only at the entrance, in English or Arabic', async () => {
    current = await buildTestApp();
    const entrance = (await current.services.security.current()).entrance;
    const page = await current.app.inject({ method: 'GET', url: `/${entrance}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<html lang="en" dir="ltr">');
    expect(page.body).not.toMatch(/<script>/); // no inline script: the CSP forbids it
    // Asset URLs are rewritten under this entrance.
    expect(page.body).toContain(`src="/${entrance}/assets/index-Fx7a1b2c.js"`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const arabic = await current.app.inject({
      method: 'GET',
      url: `/${entrance}`,
      headers: { 'accept-language': 'ar-SA,ar;q=0.9' },
    });
    expect(arabic.body).toContain('<html lang="ar" dir="rtl">');
    // Client-side routes get the same page.
    for (const route of ['dashboard', 'settings', 'settings/tokens', 'audit', 'software']) {
      const response = await current.app.inject({ method: 'GET', url: `/${entrance}/${route}` });
      expect(response.statusCode, route).toBe(200);
      expect(response.body, route).toContain('<div id="root">');
    }
    for (const url of [
      `/${entrance}x`,
      `/${entrance}/other.js`,
      `/${entrance}/no-such-page`,
      `/${entrance}/settings/tokens/more`,
      '/login',
      `/${entrance.slice(0, -1)}`,
      `/${entrance.slice(0, -1)}/settings`,
    ]) {
      const response = await current.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).toBe('Not Found\n');
    }
  });

  it('serves hashed assets under the entrance only, cached for long', async () => {
    current = await buildTestApp();
    const entrance = (await current.services.security.current()).entrance;
    const asset = await current.app.inject({ method: 'GET', url: `/${entrance}/assets/index-Fx7a1b2c.js` });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toContain('fixture');
    const reference = await current.app.inject({ method: 'GET', url: '/no/such/path' });
    for (const url of [
      '/wrong-entrance/assets/index-Fx7a1b2c.js',
      `/${entrance.slice(0, -1)}/assets/index-Fx7a1b2c.js`,
      '/assets/index-Fx7a1b2c.js',
      `/${entrance}/assets/missing-0000.js`,
      `/${entrance}/assets/../index.html`,
      `/${entrance}/assets/%2e%2e%2findex.html`,
      `/${entrance}/index.html`,
    ]) {
      const response = await current.app.inject({ method: 'GET', url, remoteAddress: '203.0.113.7' });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).toBe('Not Found\n');
      expect(Object.keys(response.headers).sort(), url).toEqual(Object.keys(reference.headers).sort());
    }
  });

  it('moves when the entrance changes: the old path is gone', async () => {
    current = await buildTestApp();
    const old = (await current.services.security.current()).entrance;
    await current.services.security.update({ entrance: 'new-secret-path' });
    expect((await current.app.inject({ method: 'GET', url: `/${old}` })).statusCode).toBe(404);
    expect((await current.app.inject({ method: 'GET', url: '/new-secret-path' })).statusCode).toBe(200);
  });
});

describe('login', () => {
  it('answers 404 without the right entrance, and the same 401 for a wrong password and an unknown user', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const entrance = (await current.services.security.current()).entrance;
    const login = (body: Record<string, string>) =>
      current!.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body });

    const noEntrance = await login({
      username: user.username,
      password: user.password,
      entrance: 'wrong-entrance',
    });
    expect(noEntrance.statusCode).toBe(404);
    expect(noEntrance.body).toBe('Not Found\n');

    const wrongPassword = await login({ username: user.username, password: 'not-the-password', entrance });
    const unknownUser = await login({ username: 'nobody_here', password: 'not-the-password', entrance });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownUser.statusCode).toBe(401);
    expect(unknownUser.body).toBe(wrongPassword.body);

    const ok = await login({ username: user.username.toUpperCase(), password: user.password, entrance });
    expect(ok.statusCode).toBe(200);
    const cookie = ok.headers['set-cookie'] as string;
    expect(cookie).toMatch(/^diwan_session=dws_[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure'); // plain HTTP here; Secure behind TLS
  });

  it('locks a username after 5 failures in 5 minutes, from any address, for 15 minutes', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const entrance = (await current.services.security.current()).entrance;
    const attempt = (password: string, ip: string) =>
      current!.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: ip,
        payload: { username: user.username, password, entrance },
      });
    for (let i = 0; i < 5; i += 1)
      expect((await attempt('wrong-password', `198.51.100.${i + 1}`)).statusCode).toBe(401);
    const locked = await attempt(user.password, '198.51.100.99');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('DIWAN_E_LOCKED_OUT');
    expect(current.logs.lines.filter((l) => l.event === 'auth.login_failed')).toHaveLength(6);

    current.clock.now += 15 * 60_000 + 1;
    expect((await attempt(user.password, '198.51.100.99')).statusCode).toBe(200);
    const lockouts = await current.services.audit.list({ action: 'auth.lockout', limit: 10 });
    expect(lockouts).toHaveLength(1);
  });

  it('locks an address after 5 failures, ignoring X-Forwarded-For from an untrusted peer', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const entrance = (await current.services.security.current()).entrance;
    for (let i = 0; i < 5; i += 1) {
      const response = await current.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '192.0.2.10',
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        payload: { username: `someone_${i}`, password: 'wrong-password', entrance },
      });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '192.0.2.10',
      headers: { 'x-forwarded-for': '203.0.113.200' },
      payload: { username: user.username, password: user.password, entrance },
    });
    expect(blocked.statusCode).toBe(429);
    const lines = current.logs.lines.filter((l) => l.event === 'auth.login_failed');
    expect(new Set(lines.map((l) => l.ip))).toEqual(new Set(['192.0.2.10']));
  });

  it('lets no more than 5 of 20 concurrent guesses reach the password check', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const entrance = (await current.services.security.current()).entrance;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        current!.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: `198.51.100.${i + 1}`,
          payload: { username: user.username, password: 'wrong-password', entrance },
        }),
      ),
    );
    const checked = answers.filter((a) => a.statusCode === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.statusCode === 429).length).toBe(20 - checked);
  });

  it('counts an IPv6 /64 as one address', async () => {
    current = await buildTestApp();
    const entrance = (await current.services.security.current()).entrance;
    const attempt = (ip: string, username: string) =>
      current!.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: ip,
        payload: { username, password: 'wrong-password', entrance },
      });
    for (let i = 1; i <= 5; i += 1)
      expect((await attempt(`2001:db8:0:7::${i}`, `user_${i}`)).statusCode).toBe(401);
    expect((await attempt('2001:db8:0:7:ffff::1', 'user_x')).statusCode).toBe(429);
    expect((await attempt('2001:db8:0:8::1', 'user_y')).statusCode).toBe(401); // the next /64 is someone else
  });

  it('counts guesses at the entrance page, and refuses a locked address even the right one', async () => {
    current = await buildTestApp();
    const entrance = (await current.services.security.current()).entrance;
    const get = (url: string) => current!.app.inject({ method: 'GET', url, remoteAddress: '192.0.2.77' });
    for (let i = 0; i < 10; i += 1) expect((await get('/favicon.ico')).statusCode).toBe(404); // not a guess
    expect((await get(`/${entrance}`)).statusCode).toBe(200);
    for (let i = 0; i < 6; i += 1) expect((await get(`/guess${i}abcdef`)).statusCode).toBe(404);
    expect((await get(`/${entrance}`)).statusCode).toBe(404);
    expect((await current.app.inject({ method: 'GET', url: `/${entrance}` })).statusCode).toBe(200); // others are fine
    expect(
      current.logs.lines.filter((l) => l.event === 'auth.login_failed' && l.reason === 'bad_entrance').length,
    ).toBe(6);
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    current = await buildTestApp({ trustedProxies: ['127.0.0.1'] });
    const entrance = (await current.services.security.current()).entrance;
    await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': '203.0.113.77' },
      payload: { username: 'nobody_here', password: 'wrong-password', entrance },
    });
    expect(current.logs.lines.find((l) => l.event === 'auth.login_failed')?.ip).toBe('203.0.113.77');
  });
});

describe('sessions', () => {
  it('ends a session after the idle timeout and after logout', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const session = await loginSession(current, user);
    const me = () =>
      current!.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.readHeaders });
    expect((await me()).json()).toMatchObject({
      via: 'session',
      scope: 'admin',
      user: { username: user.username },
    });

    current.clock.now += 119 * 60_000; // just inside the 120-minute idle timeout: still good, and touched
    expect((await me()).statusCode).toBe(200);
    current.clock.now += 121 * 60_000; // idle past the timeout
    const expired = await me();
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('DIWAN_E_UNAUTHORIZED');

    const second = await loginSession(current, user);
    const logout = await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: second.changeHeaders,
    });
    expect(logout.statusCode).toBe(200);
    const after = await current.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: second.readHeaders,
    });
    expect(after.statusCode).toBe(401);
  });

  it('ends a session at its absolute lifetime even when active', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const session = await loginSession(current, user);
    for (let hour = 0; hour < 24 * 7; hour += 1) current.clock.now += 60 * 60_000 - 1; // active every hour
    current.clock.now += 2 * 60 * 60_000;
    const response = await current.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: session.readHeaders,
    });
    expect(response.statusCode).toBe(401);
  });

  it('logs out everywhere else, lists sessions, and a password change does the same', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const first = await loginSession(current, user);
    const second = await loginSession(current, user);
    const list = await current.app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: first.readHeaders,
    });
    expect(list.json()).toHaveLength(2);
    expect(list.json().filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    const revoke = await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/revoke-others',
      headers: first.changeHeaders,
    });
    expect(revoke.json()).toEqual({ revoked: 1 });
    expect(
      (await current.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: second.readHeaders }))
        .statusCode,
    ).toBe(401);

    const third = await loginSession(current, user);
    const change = await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: first.changeHeaders,
      payload: { currentPassword: user.password, newPassword: 'a-brand-new-password' },
    });
    expect(change.statusCode).toBe(200);
    expect(
      (await current.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: third.readHeaders }))
        .statusCode,
    ).toBe(401);
    expect(
      (await current.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: first.readHeaders }))
        .statusCode,
    ).toBe(200);
  });
});

describe('session hygiene', () => {
  it('ends the previous session when a browser logs in again, and counts wrong current passwords', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const first = await loginSession(current, user);
    const again = await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { cookie: first.cookie },
      payload: {
        username: user.username,
        password: user.password,
        entrance: (await current.services.security.current()).entrance,
      },
    });
    expect(again.statusCode).toBe(200);
    expect(
      (await current.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: first.readHeaders }))
        .statusCode,
    ).toBe(401);

    const session = await loginSession(current, user);
    const guess = () =>
      current!.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: session.changeHeaders,
        payload: { currentPassword: 'a-wrong-guess-here', newPassword: 'another-password-123' },
      });
    for (let i = 0; i < 5; i += 1) expect((await guess()).statusCode).toBe(400);
    const locked = await guess();
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('DIWAN_E_LOCKED_OUT');
  });
});

describe('generated passwords', () => {
  it('open nothing but the password change until the user picks their own', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    await current.services.users.setPassword(user.id, await hashPassword(user.password), true);
    const session = await loginSession(current, user);
    const tokens = await current.app.inject({
      method: 'GET',
      url: '/api/v1/tokens',
      headers: session.readHeaders,
    });
    expect(tokens.statusCode).toBe(403);
    expect(tokens.json().error.code).toBe('DIWAN_E_PASSWORD_CHANGE_REQUIRED');
    const create = await current.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: session.changeHeaders,
      payload: { name: 'sneaky', scope: 'admin' },
    });
    expect(create.statusCode).toBe(403);
    expect(
      (
        await current.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.readHeaders })
      ).json().user.mustChangePassword,
    ).toBe(true);

    const changed = await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: session.changeHeaders,
      payload: { currentPassword: user.password, newPassword: 'my-own-password-now' },
    });
    expect(changed.statusCode).toBe(200);
    expect(
      (await current.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: session.readHeaders }))
        .statusCode,
    ).toBe(200);
  });
});

describe('request hygiene', () => {
  it('refuses cookie-authenticated changes from another origin or without the CSRF token', async () => {
    current = await buildTestApp();
    const user = await createTestUser(current);
    const session = await loginSession(current, user);
    const logout = (headers: Record<string, string>) =>
      current!.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers });

    const crossOrigin = await logout({ ...session.changeHeaders, origin: 'https://evil.example' });
    expect(crossOrigin.statusCode).toBe(403);
    const crossSite = await logout({
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.statusCode).toBe(403);
    const noToken = await logout({ cookie: session.cookie, origin: 'http://localhost:80' });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error.field).toBe('x-csrf-token');
    const wrongToken = await logout({ ...session.changeHeaders, 'x-csrf-token': 'x'.repeat(43) });
    expect(wrongToken.statusCode).toBe(403);
    // Still logged in after all of that; the real page's request works.
    expect((await logout(session.changeHeaders)).statusCode).toBe(200);
  });

  it('sends a strict CSP, no framing, nosniff, no referrer and no x-powered-by; HSTS only over TLS', async () => {
    current = await buildTestApp({ trustedProxies: ['127.0.0.1'] });
    const response = await current.app.inject({ method: 'GET', url: '/healthz' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['strict-transport-security']).toBeUndefined();
    const overTls = await current.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(overTls.headers['strict-transport-security']).toContain('max-age=');
  });

  it('never writes a password, a session token, an API token or the panel secret to the logs or the audit log', async () => {
    current = await buildTestApp({ logLevel: 'trace' });
    const user = await createTestUser(current, 'secretive', 'pa55word-never-logged');
    const session = await loginSession(current, user);
    const created = await current.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: session.changeHeaders,
      payload: { name: 'ci', scope: 'read' },
    });
    const token = created.json().token as string;
    await current.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
    await current.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: user.username, password: 'wrong-pa55word-never-logged', entrance: 'wrong' },
    });
    const audit = JSON.stringify(await current.services.audit.list({ limit: 500 }));
    const sessionToken = session.cookie.split('=')[1]!;
    for (const secret of [
      'pa55word-never-logged',
      token,
      sessionToken,
      session.csrfToken,
      current.config.secret!,
    ]) {
      expect(current.logs.text).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
    // The check looked at real output: the failed login's line is there.
    expect(current.logs.lines.some((line) => line.event === 'auth.login_failed')).toBe(true);
  });
});
