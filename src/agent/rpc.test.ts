import { mkdtempSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import hostile from '../../test/fixtures/hostile-inputs.json' with { type: 'json' };
import {
  buildTestApp,
  createTestUser,
  loginSession,
  tokenHeaders,
  type TestApp,
} from '../../test/support/app.js';
import { AGENT_PROTOCOL_VERSION } from '../contract/agent-ops.js';
import { socketAgent, type AgentClient } from '../server/agent/client.js';
import { createAgent } from './agent.js';
import { createAuthorizer } from './authorizer.js';
import { createDispatcher, type OpContext } from './dispatch.js';
import { startAgentServer } from './rpc-server.js';

let testApp: TestApp | undefined;
let server: Server | undefined;
let client: AgentClient | undefined;
afterEach(async () => {
  await client?.close();
  server?.close();
  await testApp?.close();
  [testApp, server, client] = [undefined, undefined, undefined];
});

/** The real agent on a real socket, checking callers against the test app's panel database. */
async function agentOnSocket() {
  testApp = await buildTestApp();
  const socketPath = join(mkdtempSync(join(tmpdir(), 'diwan-agent-')), 'agent.sock');
  const agent = createAgent(testApp.config, { panelDb: testApp.panelDb, logger: testApp.app.log as never });
  server = await startAgentServer({
    socketPath,
    dispatch: agent.dispatch,
    logger: testApp.app.log as never,
    agentVersion: 'test',
  });
  client = socketAgent(socketPath);
  return { socketPath, testApp, client };
}

function rawExchange(socketPath: string, lines: string[], waitMs = 300): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined); // the server may close first (that is what is tested)
    socket.on('close', () => resolve(received.trim().split('\n').filter(Boolean)));
    socket.on('connect', () => {
      for (const line of lines) socket.write(line);
      setTimeout(() => socket.end(), waitMs);
    });
  });
}

describe('agent socket', () => {
  it('is 0660 and answers a ping without a caller', async () => {
    const { socketPath, client } = await agentOnSocket();
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    expect(await client.call('system.ping', {}, null)).toEqual({ pong: true });
  });

  it('refuses a call without a live credential, and audits the refusal', async () => {
    const { client, testApp } = await agentOnSocket();
    await expect(client.call('system.info', {}, null)).rejects.toMatchObject({
      code: 'DIWAN_E_UNAUTHORIZED',
    });
    await expect(client.call('system.info', {}, { token: 'dwt_forged' })).rejects.toMatchObject({
      code: 'DIWAN_E_UNAUTHORIZED',
    });
    const refused = await testApp.services.audit.list({ action: 'agent.system.info', limit: 10 });
    expect(refused.map((entry) => entry.outcome)).toEqual(['denied', 'denied']);
  });

  it('acts for a live session and stops the moment it is revoked (no cache in the agent)', async () => {
    const { client, testApp } = await agentOnSocket();
    const user = await createTestUser(testApp);
    const session = await loginSession(testApp, user);
    const credentials = { session: session.cookie.split('=')[1]! };
    const info = await client.call('system.info', {}, credentials);
    expect(info.hostname.length).toBeGreaterThan(0);
    expect(info.uptimeSeconds).toBeGreaterThan(0);
    await testApp.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.changeHeaders });
    await expect(client.call('system.info', {}, credentials)).rejects.toMatchObject({
      code: 'DIWAN_E_UNAUTHORIZED',
    });
  });

  it('answers many concurrent calls by id', async () => {
    const { client } = await agentOnSocket();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => client.call('system.ping', {}, null)),
    );
    expect(answers).toHaveLength(200);
    expect(answers.every((answer) => answer.pong)).toBe(true);
  });

  it('closes a connection that skips the handshake, speaks another protocol, sends garbage or too much', async () => {
    const { socketPath } = await agentOnSocket();
    const call = JSON.stringify({ type: 'call', id: 1, op: 'system.ping', input: {}, auth: null });
    expect(await rawExchange(socketPath, [`${call}\n`])).toEqual([
      expect.stringContaining('say hello first'),
    ]);
    expect(await rawExchange(socketPath, ['{"type":"hello","version":99}\n'])).toEqual([
      expect.stringContaining('protocol 99'),
    ]);
    expect(await rawExchange(socketPath, ['not json\n'])).toEqual([expect.stringContaining('not JSON')]);
    expect(await rawExchange(socketPath, ['x'.repeat(2 * 1024 * 1024)])).toEqual([
      expect.stringContaining('too large'),
    ]);
  });

  it('refuses undeclared operations and hostile input before acting', async () => {
    const { socketPath } = await agentOnSocket();
    const ops = ['system.reboot', '__proto__', 'constructor', 'system.ping; id', ...hostile.shell.values];
    const calls = ops.map((op, id) => `${JSON.stringify({ type: 'call', id, op, input: {}, auth: null })}\n`);
    const extra = `${JSON.stringify({ type: 'call', id: 999, op: 'system.ping', input: { command: 'id' }, auth: null })}\n`;
    const answers = (
      await rawExchange(socketPath, [
        `{"type":"hello","version":${AGENT_PROTOCOL_VERSION}}\n`,
        ...calls,
        extra,
      ])
    )
      .slice(1)
      .map((line) => JSON.parse(line) as { id: number; error: { code: string } });
    expect(answers).toHaveLength(ops.length + 1);
    for (const answer of answers.filter((a) => a.id !== 999)) {
      expect(answer.error.code, ops[answer.id]).toBe('DIWAN_E_NOT_FOUND');
    }
    expect(answers.find((a) => a.id === 999)?.error.code).toBe('DIWAN_E_VALIDATION');
  });
});

describe('streamed results and cancel over the socket', () => {
  const hello = `{"type":"hello","version":${AGENT_PROTOCOL_VERSION}}\n`;
  const call = (id: number, op: string) =>
    `${JSON.stringify({ type: 'call', id, op, input: {}, auth: null })}\n`;
  const ops = {
    'test.stream': {
      input: z.object({}),
      output: z.object({ done: z.boolean() }),
      changesHost: false,
      timeoutMs: 5000,
      public: true,
      cancellable: true,
    },
    'test.whole': {
      input: z.object({}),
      output: z.object({ done: z.boolean() }),
      changesHost: false,
      timeoutMs: 5000,
      public: true,
    },
  };
  // Emits two lines and a progress figure, then waits 400 ms unless its signal fires first.
  const slowWork = async (_input: unknown, context: OpContext) => {
    context.emit({ kind: 'log', stream: 'stdout', line: 'first' });
    context.emit({ kind: 'progress', percent: 50 });
    context.emit({ kind: 'log', stream: 'stderr', line: 'second' });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 400);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(context.signal.reason as Error);
      });
    });
    return { done: true };
  };

  async function serverWith(): Promise<string> {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'diwan-agent-')), 'agent.sock');
    const dispatch = createDispatcher({
      ops,
      handlers: { 'test.stream': slowWork, 'test.whole': slowWork } as never,
      authorizer: { authorize: async () => ({ actor: 'nobody' }) },
      onRefused: () => undefined,
    });
    server = await startAgentServer({ socketPath, dispatch, logger: console as never, agentVersion: 't' });
    return socketPath;
  }

  it('sends events for a call before its result, in order', async () => {
    const socketPath = await serverWith();
    const lines = (await rawExchange(socketPath, [hello, call(7, 'test.stream')], 700)).slice(1);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { type: 'event', id: 7, event: { kind: 'log', stream: 'stdout', line: 'first' } },
      { type: 'event', id: 7, event: { kind: 'progress', percent: 50 } },
      { type: 'event', id: 7, event: { kind: 'log', stream: 'stderr', line: 'second' } },
      { type: 'result', id: 7, output: { done: true } },
    ]);
  });

  it('stops a cancellable call on cancel, and lets any other call finish whole', async () => {
    const socketPath = await serverWith();
    const cancel = (id: number) => `${JSON.stringify({ type: 'cancel', id })}\n`;
    const lines = await rawExchange(
      socketPath,
      [hello, call(1, 'test.stream'), call(2, 'test.whole'), cancel(1), cancel(2)],
      700,
    );
    const finals = lines
      .map((line) => JSON.parse(line) as { type: string; id: number; error?: { code: string } })
      .filter((message) => message.type === 'result' || message.type === 'error');
    expect(finals).toEqual([
      { type: 'error', id: 1, error: { code: 'DIWAN_E_CANCELLED', message: 'test.stream was cancelled' } },
      { type: 'result', id: 2, output: { done: true } },
    ]);
  });
});

describe('dispatcher', () => {
  it('requires an admin credential for an operation that changes the host', async () => {
    testApp = await buildTestApp();
    // A table with one host-changing operation, to exercise the rule before real ones exist.
    const ops = {
      'test.change': {
        input: z.object({}),
        output: z.object({ done: z.boolean() }),
        changesHost: true,
        timeoutMs: 1000,
      },
    };
    let ran = 0;
    const refusals: string[] = [];
    const dispatch = createDispatcher({
      ops,
      handlers: { 'test.change': async () => ({ done: (ran += 1) > 0 }) } as never,
      authorizer: createAuthorizer(testApp.services.auth),
      onRefused: (op) => refusals.push(op),
    });
    const read = (await tokenHeaders(testApp, 'read')).authorization!.slice('Bearer '.length);
    const admin = (await tokenHeaders(testApp, 'admin')).authorization!.slice('Bearer '.length);
    await expect(dispatch('test.change', {}, { token: read })).rejects.toMatchObject({
      code: 'DIWAN_E_FORBIDDEN',
    });
    expect(ran).toBe(0);
    expect(await dispatch('test.change', {}, { token: admin })).toEqual({ done: true });
    expect(refusals).toEqual(['test.change']);
  });
});

describe('web tier through the agent', () => {
  it('serves /api/v1/system/info from the agent and reports the agent in /readyz', async () => {
    testApp = await buildTestApp();
    const info = await testApp.app.inject({
      method: 'GET',
      url: '/api/v1/system/info',
      headers: await tokenHeaders(testApp, 'read'),
    });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ os: { id: expect.any(String) }, initSystem: expect.any(String) });
    const ready = await testApp.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json().checks.agent).toMatchObject({ status: 'ok', detail: 'answers' });
  });
});
