import { afterEach, describe, expect, it } from 'vitest';
import { createTestUser, LogCapture, testConfig, type TestApp } from '../../../test/support/app.js';
import { testPanelDatabaseConfig } from '../../../test/support/databases.js';
import { buildApp } from '../app.js';
import type { Config } from '../config/types.js';
import { openPanelDb } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { createPanelServices } from '../services.js';
import { hashPassword } from './passwords.js';

const REDIS_URL = process.env.DIWAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two web instances over one panel database, as behind a load balancer. */
async function twoInstances(redisUrl: string | null) {
  const database = await testPanelDatabaseConfig();
  cleanups.push(() => database.drop());
  const config: Config = testConfig({ database: database.config, redisUrl });
  const migrator = openPanelDb(config.database);
  await migrateToLatest(migrator.db);
  await migrator.close();
  const instance = async () => {
    const panelDb = openPanelDb(config.database);
    const logger = createLogger(config, new LogCapture());
    const services = createPanelServices(config, { panelDb }, logger);
    const app = await buildApp(config, { panelDb, logger, services });
    cleanups.push(() => app.close());
    return { app, services } as Pick<TestApp, 'app' | 'services'>;
  };
  return [await instance(), await instance()] as const;
}

async function scenario(redisUrl: string | null): Promise<number> {
  const [a, b] = await twoInstances(redisUrl);
  await a.services.users.create({
    username: 'shared',
    passwordHash: await hashPassword('shared-password-1'),
  });
  const entrance = (await a.services.security.current()).entrance;
  const login = await a.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'shared', password: 'shared-password-1', entrance },
  });
  const cookie = `diwan_session=${login.cookies.find((c) => c.name === 'diwan_session')!.value}`;
  const csrf = (login.json() as { csrfToken: string }).csrfToken;
  // B has seen the session (and cached it) before A ends it.
  expect(
    (await b.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode,
  ).toBe(200);
  const logout = await a.app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { cookie, 'x-csrf-token': csrf, origin: 'http://localhost:80' },
  });
  expect(logout.statusCode).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the event's trip through Redis
  return (await b.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode;
}

describe('several web instances', () => {
  it('end a session everywhere at once when they share Redis', async () => {
    expect(await scenario(REDIS_URL)).toBe(401);
  });

  it('without Redis, another instance trusts its cached session for up to 10 s (the control)', async () => {
    expect(await scenario(null)).toBe(200);
  });

  it('share lockouts through the panel database', async () => {
    const [a, b] = await twoInstances(null);
    await createTestUser({ services: a.services } as TestApp, 'target_user', 'the-right-password');
    const entrance = (await a.services.security.current()).entrance;
    const attempt = (instance: typeof a, password: string) =>
      instance.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '198.51.100.7',
        payload: { username: 'target_user', password, entrance },
      });
    for (let i = 0; i < 3; i += 1) await attempt(a, 'wrong-password');
    for (let i = 0; i < 2; i += 1) await attempt(b, 'wrong-password');
    expect((await attempt(a, 'the-right-password')).statusCode).toBe(429);
  });
});
