import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp, tokenHeaders, type TestApp } from '../../../test/support/app.js';
import { DiwanError } from '../../contract/errors.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** Routes that exercise each path through the error handler. */
const probeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/echo',
    {
      schema: {
        body: z.object({ name: z.string().regex(/^[a-z]+$/), tags: z.array(z.string().max(3)).optional() }),
      },
    },
    async (request) => request.body,
  );
  app.get('/conflict', async () => {
    throw new DiwanError('DIWAN_E_CONFLICT', 'That name is taken', 'name');
  });
  app.get('/crash', async () => {
    throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
  });
};

let auth: Record<string, string> = {};

async function appWithProbes(): Promise<TestApp> {
  const testApp = await buildTestApp({ bodyLimit: 2048 });
  await testApp.app.register(probeRoutes, { prefix: '/api/v1/probe' });
  auth = await tokenHeaders(testApp);
  return testApp;
}

describe('error responses', () => {
  it('answers a schema violation with 400, a stable code and the field', async () => {
    current = await appWithProbes();
    const response = await current.app.inject({
      method: 'POST',
      url: '/api/v1/probe/echo',
      headers: auth,
      payload: { name: 'a;id' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: { code: 'DIWAN_E_VALIDATION', field: 'name', message: expect.stringMatching(/^name: /) },
    });
    const nested = await current.app.inject({
      method: 'POST',
      url: '/api/v1/probe/echo',
      headers: auth,
      payload: { name: 'ok', tags: ['a', 'toolong'] },
    });
    expect(nested.json().error.field).toBe('tags.1');
  });

  it('answers malformed JSON with 400, a wrong media type with 415 and a large body with 413', async () => {
    current = await appWithProbes();
    const url = '/api/v1/probe/echo';
    const malformed = await current.app.inject({
      method: 'POST',
      url,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'DIWAN_E_BAD_REQUEST', field: 'body' });

    const wrongType = await current.app.inject({
      method: 'POST',
      url,
      headers: { ...auth, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error.code).toBe('DIWAN_E_UNSUPPORTED_MEDIA_TYPE');

    const large = await current.app.inject({
      method: 'POST',
      url,
      headers: auth,
      payload: { name: 'a'.repeat(4096) },
    });
    expect(large.statusCode).toBe(413);
    expect(large.json().error.code).toBe('DIWAN_E_BODY_TOO_LARGE');
  });

  it('maps typed errors to their status and hides the details of unexpected ones', async () => {
    current = await appWithProbes();
    const conflict = await current.app.inject({
      method: 'GET',
      url: '/api/v1/probe/conflict',
      headers: auth,
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({
      error: { code: 'DIWAN_E_CONFLICT', message: 'That name is taken', field: 'name' },
    });

    const crash = await current.app.inject({ method: 'GET', url: '/api/v1/probe/crash', headers: auth });
    expect(crash.statusCode).toBe(500);
    expect(crash.json().error.code).toBe('DIWAN_E_INTERNAL');
    expect(crash.body).not.toContain('hunter2');
    expect(crash.body).not.toContain('10.1.2.3');
    // The log keeps what the operator needs, tied to the request id the client saw.
    const logged = current.logs.lines.find((line) => line.msg === 'request failed');
    expect(logged).toMatchObject({ requestId: crash.headers['x-request-id'] });
  });

  it('answers an unknown route with the same error shape to a caller with credentials', async () => {
    current = await buildTestApp();
    const response = await current.app.inject({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: await tokenHeaders(current),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('DIWAN_E_NOT_FOUND');
  });

  it('answers every error before credentials with the plain 404, even from the public login route', async () => {
    current = await buildTestApp();
    const plain = [
      await current.app.inject({ method: 'GET', url: '/api/v1/nothing-here' }),
      await current.app.inject({ method: 'GET', url: '/%E0%A4%A' }), // malformed URL encoding
      await current.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"entrance":',
      }),
      await current.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 1 } }),
    ];
    for (const response of plain) {
      expect(response.statusCode).toBe(404);
      expect(response.body).toBe('Not Found\n');
      expect(response.headers['x-request-id']).toBeUndefined();
    }
  });
});

describe('request ids', () => {
  it('keeps a plain X-Request-Id from a trusted proxy, and replaces a hostile or untrusted one', async () => {
    current = await buildTestApp({ trustedProxies: ['127.0.0.1'] });
    // A 404 logs at info, so its line shows which id the log recorded.
    const kept = await current.app.inject({
      method: 'GET',
      url: '/api/v1/nowhere',
      headers: { ...(await tokenHeaders(current)), 'x-request-id': 'proxy-1234abcd' },
    });
    expect(kept.headers['x-request-id']).toBe('proxy-1234abcd');
    const replaced = await current.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'a\nb; injected' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(current.logs.lines.some((line) => line.requestId === 'proxy-1234abcd')).toBe(true);
    const untrusted = await current.app.inject({
      method: 'GET',
      url: '/healthz',
      remoteAddress: '203.0.113.9',
      headers: { 'x-request-id': 'proxy-1234abcd' },
    });
    expect(untrusted.headers['x-request-id']).not.toBe('proxy-1234abcd');
  });
});
