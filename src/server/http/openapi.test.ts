import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, tokenHeaders, type TestApp } from '../../../test/support/app.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('OpenAPI', () => {
  it('publishes an OpenAPI 3.1 document generated from the contract', async () => {
    current = await buildTestApp();
    const response = await current.app.inject({
      method: 'GET',
      url: '/api/docs/json',
      headers: await tokenHeaders(current),
    });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/api/v1/meta']),
    );
    expect(document.paths['/metrics']).toBeUndefined();
    const readiness = document.paths['/readyz'].get.responses;
    expect(Object.keys(readiness)).toEqual(expect.arrayContaining(['200', '503']));
    // Named contract schemas become shared components that the paths refer to.
    expect(document.paths['/api/v1/meta'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Meta',
    });
    expect(Object.keys(document.components.schemas.Meta.properties)).toEqual([
      'name',
      'version',
      'apiVersion',
    ]);
  });

  it('serves a browsable UI at /api/docs', async () => {
    current = await buildTestApp();
    const headers = await tokenHeaders(current);
    expect((await current.app.inject({ method: 'GET', url: '/api/docs/' })).statusCode).toBe(404); // behind the perimeter
    const response = await current.app.inject({ method: 'GET', url: '/api/docs/', headers });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('swagger-ui');
  });
});
