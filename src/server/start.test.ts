import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/app.js';
import { closeGracefully } from './start.js';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close(); // closing twice is harmless; this drops the test database
  current = undefined;
});

async function listeningAppWithSlowRoute(
  delayMs: number,
): Promise<{ testApp: TestApp; base: string; arrived: Promise<void> }> {
  const testApp = await buildTestApp();
  let markArrived!: () => void;
  // Resolves when the server is inside the handler: shutdown starts only with a request truly in flight.
  const arrived = new Promise<void>((resolve) => (markArrived = resolve));
  testApp.app.get('/slow', { config: { public: true } }, async () => {
    markArrived();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { done: true };
  });
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  const address = testApp.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return { testApp, base: `http://127.0.0.1:${address.port}`, arrived };
}

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones and closes the pool', async () => {
    const { testApp, base, arrived } = await listeningAppWithSlowRoute(400);
    current = testApp;
    const inFlight = fetch(`${base}/slow`);
    await arrived;
    const closing = closeGracefully(testApp.app, 5000, testApp.app.log);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close'); // the client does not keep the socket
    expect(await response.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await expect(testApp.panelDb.ping()).rejects.toThrow();
  });

  it('cuts requests that outlive the shutdown timeout', async () => {
    const { testApp, base, arrived } = await listeningAppWithSlowRoute(30_000);
    current = testApp;
    const stuck = fetch(`${base}/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await arrived; // the request reached the handler: a refused connection cannot pass for a cut one
    const started = Date.now();
    await closeGracefully(testApp.app, 300, testApp.app.log);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await stuck).toBe('cut');
  });
});
