import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('/metrics', () => {
  it('exports process, HTTP and pool metrics to loopback', async () => {
    current = await buildTestApp();
    await current.app.inject({ method: 'GET', url: '/healthz' });
    await current.app.inject({ method: 'GET', url: '/no/such/page/123' });
    const response = await current.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toContain('diwan_process_resident_memory_bytes');
    expect(text).toMatch(
      /diwan_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 1/,
    );
    // Unmatched paths share one series instead of growing the label set.
    expect(text).toMatch(/route="unmatched",status_code="404"\} 1/);
    expect(text).not.toContain('/no/such/page');
    const { dialect, poolSize } = current.config.database;
    const expectedMax = dialect === 'sqlite' ? 1 : poolSize; // SQLite is one embedded connection
    expect(text).toContain(`diwan_db_pool_connections{dialect="${dialect}",state="max"} ${expectedMax}`);
    expect(text).toMatch(new RegExp(`diwan_db_pool_connections\\{dialect="${dialect}",state="idle"\\} \\d+`));
    // The readiness checks at scrape time, one series each.
    for (const check of ['database', 'migrations', 'agent']) {
      expect(text).toContain(`diwan_readiness_check{check="${check}"} 1`);
    }
  });

  it('answers 404 to other addresses and to requests relayed by a proxy', async () => {
    current = await buildTestApp();
    const remote = await current.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(404);
    const relayed = await current.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(relayed.statusCode).toBe(404);
    expect(relayed.body).not.toContain('diwan_');
  });

  it('treats every proxy header, and a peer that is a trusted proxy, as not local', async () => {
    current = await buildTestApp();
    for (const header of [{ forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }]) {
      expect((await current.app.inject({ method: 'GET', url: '/metrics', headers: header })).statusCode).toBe(
        404,
      );
    }
    const mapped = await current.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '::ffff:127.0.0.1',
    });
    expect(mapped.statusCode).toBe(200);
    await current.close();
    // Behind a proxy that adds no header at all, the proxy's own address must not count as local.
    current = await buildTestApp({ trustedProxies: ['127.0.0.1'] });
    expect((await current.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('answers anyone with the metrics token, and the plain 404 to a wrong one', async () => {
    current = await buildTestApp({ metricsToken: 'metrics-token-0123456789' });
    const allowed = await current.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('diwan_http_request_duration_seconds');
    const wrong = await current.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: 'Bearer metrics-token-0123456780' },
    });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toBe('Not Found\n');
  });
});
