import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../../test/support/app.js';
import { buildApp } from '../../app.js';
import { openPanelDb } from '../../db/connection.js';
import { migrateDown } from '../../db/migrate.js';
import { parseDatabaseUrl } from '../../db/url.js';
import { createLogger } from '../../logger.js';
import { testConfig, LogCapture } from '../../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('health endpoints', () => {
  it('answers /healthz', async () => {
    current = await buildTestApp();
    const response = await current.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('reports /readyz 200 with every check when the database is reachable and current', async () => {
    current = await buildTestApp();
    const response = await current.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ok');
    expect(body.checks.database).toMatchObject({ status: 'ok', detail: current.config.database.dialect });
    expect(body.checks.migrations).toMatchObject({ status: 'ok', detail: 'current' });
  });

  it('answers the same in production, where responses are written by the compiled serializer', async () => {
    current = await buildTestApp({ env: 'production' });
    const ready = await current.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      checks: { database: { status: 'ok' }, migrations: { status: 'ok' } },
    });
    expect((await current.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('shares one run of the readiness checks between callers within a second', async () => {
    current = await buildTestApp();
    const [first, second] = await Promise.all([
      current.app.inject({ method: 'GET', url: '/readyz' }),
      current.app.inject({ method: 'GET', url: '/readyz' }),
    ]);
    expect(second.json()).toEqual(first.json()); // the same measurement, durations included
  });

  it('reports /readyz 503 in production while the root agent is not running', async () => {
    const config = testConfig({ env: 'production', agentSocket: '/nonexistent/diwan-agent.sock' });
    const app = await buildApp(config, {
      panelDb: openPanelDb(config.database),
      logger: createLogger(config, new LogCapture()),
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().checks.agent).toMatchObject({ status: 'fail', detail: 'unreachable' });
    } finally {
      await app.close();
    }
  });

  it('reports /readyz 503 while a migration is pending', async () => {
    current = await buildTestApp();
    await migrateDown(current.panelDb.db);
    const response = await current.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.migrations).toMatchObject({
      status: 'fail',
      detail: '1 pending: run diwan migrate up',
    });
    expect(response.json().checks.database.status).toBe('ok');
  });

  it('reports /readyz 503 when the database is unreachable, without leaking where it is', async () => {
    const parsed = parseDatabaseUrl('postgres://diwan:secretpw@127.0.0.1:1/diwan', {
      dataDir: '/tmp',
      poolSize: 2,
    });
    if (!parsed.ok) throw new Error(parsed.message);
    const config = testConfig({ database: parsed.value });
    const logs = new LogCapture();
    const app = await buildApp(config, {
      panelDb: openPanelDb(config.database),
      logger: createLogger(config, logs),
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().checks.database).toMatchObject({ status: 'fail', detail: 'unreachable' });
      expect(response.body).not.toContain('127.0.0.1');
      expect(logs.text).toContain('readiness check failed');
      expect(logs.text).not.toContain('secretpw');
    } finally {
      await app.close();
    }
  });
});
