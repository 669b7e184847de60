import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, tokenHeaders, type TestApp } from '../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const completions = (testApp: TestApp) =>
  testApp.logs.lines.filter((line) => line.msg === 'request completed');

describe('request logging at info', () => {
  it('logs failures and changes with method, path, status and request id, and skips quick successful reads', async () => {
    current = await buildTestApp();
    const headers = await tokenHeaders(current);
    await current.app.inject({ method: 'GET', url: '/healthz' });
    await current.app.inject({ method: 'GET', url: '/api/v1/meta', headers });
    expect(completions(current)).toEqual([]);

    const missing = await current.app.inject({
      method: 'GET',
      url: '/api/v1/missing?token=s3cr3t-in-query',
      headers,
    });
    const change = await current.app.inject({ method: 'POST', url: '/api/v1/meta', headers, payload: {} });
    expect(completions(current)).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/api/v1/missing',
        statusCode: 404,
        requestId: missing.headers['x-request-id'],
      }),
      expect.objectContaining({ method: 'POST', path: '/api/v1/meta', statusCode: change.statusCode }),
    ]);
    expect(current.logs.text).not.toContain('s3cr3t-in-query');
    expect(completions(current)[0]?.responseTime).toEqual(expect.any(Number));
  });

  it('logs every request at debug', async () => {
    current = await buildTestApp({ logLevel: 'debug' });
    await current.app.inject({ method: 'GET', url: '/healthz' });
    expect(completions(current)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/healthz', statusCode: 200 }),
    ]);
  });
});
