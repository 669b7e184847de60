import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveServerMessage } from '../../../contract/live.js';
import {
  buildTestApp,
  createTestUser,
  loginSession,
  tokenHeaders,
  type TestApp,
} from '../../../../test/support/app.js';
import { routesOf } from '../../http/route-table.js';

let testApp: TestApp | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await testApp?.close();
  testApp = undefined;
});

async function listening(): Promise<{ testApp: TestApp; url: string }> {
  testApp = await buildTestApp();
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  const address = testApp.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return { testApp, url: `ws://127.0.0.1:${address.port}/api/v1/live` };
}

/** Opens a socket; resolves with it once open, or with the HTTP status that refused the upgrade. */
function open(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    sockets.push(socket);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (request, response) => {
      request.destroy(); // ws leaves the refused connection open to whoever listens for this
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

/** Collects messages until `done` says the list is complete. */
function collect(socket: WebSocket, done: (messages: LiveServerMessage[]) => boolean) {
  const messages: LiveServerMessage[] = [];
  return new Promise<LiveServerMessage[]>((resolve) => {
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as LiveServerMessage);
      if (done(messages)) resolve(messages);
    });
  });
}

const finished = (messages: LiveServerMessage[]) =>
  messages.some(
    (m) =>
      m.type === 'update' &&
      m.channel === 'task' &&
      m.update.type === 'task' &&
      m.update.task.state === 'succeeded',
  );

describe('the live WebSocket', () => {
  it('streams a task from its first line to its end: lines before the subscription, then live ones', async () => {
    const { testApp, url } = await listening();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const task = await testApp.tasks.submit({
      kind: 'test.live',
      title: 'Live',
      input: {},
      createdBy: null,
      run: async (context) => {
        for (let i = 1; i <= 5; i++) context.log(`early ${i}`);
        await released;
        for (let i = 1; i <= 5; i++) context.log(`late ${i}`, 'stderr');
        return { ok: true };
      },
    });
    // Let the early lines reach the database before anyone watches.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const socket = await open(url, await tokenHeaders(testApp, 'read'));
    if (typeof socket === 'number') throw new Error(`refused with ${socket}`);
    const messages = collect(socket, finished);
    socket.send(JSON.stringify({ type: 'subscribe', channel: 'task', id: task.id }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    const received = await messages;

    const lines = received.flatMap((m) =>
      m.type === 'update' && m.channel === 'task' && m.update.type === 'log' ? m.update.lines : [],
    );
    expect(lines.map((line) => line.line)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `early ${i + 1}`),
      ...Array.from({ length: 5 }, (_, i) => `late ${i + 1}`),
    ]);
    expect(lines.map((line) => line.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(received[0]).toMatchObject({
      type: 'update',
      update: { type: 'task', task: { state: 'running' } },
    });
    expect(received.at(-1)).toMatchObject({
      update: { type: 'task', task: { state: 'succeeded', result: { ok: true } } },
    });
  });

  it('streams the dashboard: figures from the agent every 2 s, the history to a late watcher, nothing after unsubscribe', async () => {
    const { testApp, url } = await listening();
    const socket = await open(url, await tokenHeaders(testApp, 'read'));
    if (typeof socket === 'number') throw new Error(`refused with ${socket}`);
    const samplesOf = (all: LiveServerMessage[]) =>
      all.flatMap((m) => (m.type === 'update' && m.channel === 'dashboard' ? m.samples : []));
    const two = collect(socket, (all) => samplesOf(all).length >= 2);
    socket.send(JSON.stringify({ type: 'subscribe', channel: 'dashboard' }));
    const [first, second] = samplesOf(await two);
    // The first sample takes two readings half a second apart; the next one comes on the 2 s beat.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(first!.cpu.cores.length).toBeGreaterThan(0);
    expect(first!.memory.total).toBeGreaterThan(0);

    // A second tab gets the history at once, in its first message.
    const late = await open(url, await tokenHeaders(testApp, 'read'));
    if (typeof late === 'number') throw new Error(`refused with ${late}`);
    const history = collect(late, (all) => all.length >= 1);
    late.send(JSON.stringify({ type: 'subscribe', channel: 'dashboard' }));
    const [opening] = await history;
    expect(opening).toMatchObject({ type: 'update', channel: 'dashboard' });
    expect(samplesOf([opening!]).length).toBeGreaterThanOrEqual(2);

    socket.send(JSON.stringify({ type: 'unsubscribe', channel: 'dashboard' }));
    late.send(JSON.stringify({ type: 'unsubscribe', channel: 'dashboard' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    let after = 0;
    socket.on('message', () => (after += 1));
    late.on('message', () => (after += 1));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(after).toBe(0);
  });

  it('answers bad messages and unknown tasks with an error, and keeps the socket open', async () => {
    const { testApp, url } = await listening();
    const socket = await open(url, await tokenHeaders(testApp, 'read'));
    if (typeof socket === 'number') throw new Error(`refused with ${socket}`);
    const messages = collect(socket, (all) => all.length === 4);
    socket.send('not json');
    socket.send(JSON.stringify({ type: 'subscribe', channel: 'task', id: '../../etc/passwd' }));
    socket.send(
      JSON.stringify({ type: 'subscribe', channel: 'shell', id: '8b0b4a4e-3c0d-4b8e-9a53-2f1f7b1f6a11' }),
    );
    socket.send(
      JSON.stringify({ type: 'subscribe', channel: 'task', id: '8b0b4a4e-3c0d-4b8e-9a53-2f1f7b1f6a11' }),
    );
    const received = await messages;
    expect(received.slice(0, 3).map((m) => m.type === 'error' && m.code)).toEqual([
      'DIWAN_E_VALIDATION',
      'DIWAN_E_VALIDATION',
      'DIWAN_E_VALIDATION',
    ]);
    expect(received[3]).toMatchObject({ type: 'error', code: 'DIWAN_E_NOT_FOUND' });
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses, on every WebSocket route, an upgrade without credentials and a session from another site', async () => {
    const { testApp, url } = await listening();
    const routes = routesOf(testApp.app).filter((route) => route.websocket && route.method === 'GET');
    expect(routes.map((route) => route.url)).toEqual(['/api/v1/live']);
    const hijacker = await loginSession(testApp, await createTestUser(testApp, 'walker'));
    for (const route of routes) {
      const routeUrl = url.replace('/api/v1/live', route.url);
      expect(await open(routeUrl, {}), route.url).toBe(404);
      expect(await open(routeUrl, { cookie: hijacker.cookie, origin: 'https://evil.example' })).toBe(403);
    }
  });

  it('refuses an upgrade without credentials (plain 404) and a session socket from another origin', async () => {
    const { testApp, url } = await listening();
    expect(await open(url, {})).toBe(404);
    const session = await loginSession(testApp, await createTestUser(testApp));
    const origin = url.replace('ws://', 'http://').replace('/api/v1/live', '');
    // Cross-site WebSocket hijacking: the browser sends the cookie, and the attacker's Origin.
    expect(await open(url, { cookie: session.cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await open(url, { cookie: session.cookie })).toBe(403);
    const own = await open(url, { cookie: session.cookie, origin });
    expect(own).toBeInstanceOf(WebSocket);
    // A token (a program) may omit the Origin, but may not claim another one.
    const token = await tokenHeaders(testApp, 'read');
    expect(await open(url, { ...token, origin: 'https://evil.example' })).toBe(403);
    expect(await open(url, token)).toBeInstanceOf(WebSocket);
    // A forged token gets the same bare 404 as none at all.
    expect(await open(url, { authorization: 'Bearer dwt_forged' })).toBe(404);
  });
});
