import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveServerMessage } from '../../src/contract/live.js';
import {
  checkPath,
  checkServerName,
  PANEL_PROXY_TEMPLATE,
  renderPanelProxy,
  renderUpstream,
} from '../../src/agent/deploy/panel-proxy.js';
import { runDiwan } from '../support/cli.js';
import {
  buildTestApp,
  createTestUser,
  entranceOf,
  loginSession,
  tokenHeaders,
  type TestApp,
} from '../support/app.js';
import { startPanelProxy, type PanelProxy } from '../support/panel-proxy.js';

// deploy/nginx/diwan.conf rendered and run by the machine's real nginx (a private prefix on loopback
// ports, a self-signed certificate), in front of the real app listening on loopback and trusting
// 127.0.0.1 as its proxy (DIWAN_TRUSTED_PROXIES), as docs/deployment.md sets it up.

let testApp: TestApp;
let proxy: PanelProxy;
let appPort: number;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  testApp = await buildTestApp({ trustedProxies: ['127.0.0.1'] });
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  const address = testApp.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  appPort = address.port;
  proxy = await startPanelProxy({ color: 'blue', ports: { blue: appPort, green: appPort + 1 } });
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  proxy?.stop();
  await testApp?.close();
});

/** The fail2ban line the app logs for a failed login names the address it believes. */
function loggedLoginFailures(): string[] {
  return testApp.logs.lines
    .filter((line) => line.event === 'auth.login_failed')
    .map((line) => String(line.ip));
}

/** A failed login's body: a new username each time, so that only the address's own lockout counts. */
async function wrongLoginBody(): Promise<string> {
  const username = `nobody_${Math.random().toString(36).slice(2, 10)}`;
  return JSON.stringify({ username, password: 'wrong-password', entrance: await entranceOf(testApp) });
}

async function loginThroughProxy(localAddress: string, headers: Record<string, string> = {}) {
  return proxy.https('/api/v1/auth/login', {
    method: 'POST',
    body: await wrongLoginBody(),
    headers: { 'content-type': 'application/json', ...headers },
    localAddress,
  });
}

/** Straight to the app's port, bypassing nginx. */
async function loginDirect(localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  const body = await wrongLoginBody();
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: appPort,
        path: '/api/v1/auth/login',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        localAddress,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('nginx in front of the panel (deploy/nginx/diwan.conf)', () => {
  it('serves the app over HTTPS with TLS 1.2 or 1.3', async () => {
    const answer = await proxy.https('/healthz');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    expect(['TLSv1.2', 'TLSv1.3']).toContain(answer.tlsProtocol);
    expect(answer.headers['x-request-id']).toBeTruthy(); // the app's own answer, not nginx's
  });

  it('redirects plain HTTP to HTTPS with 301, path and query kept', async () => {
    const answer = await proxy.http('/some/where?x=1');
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://127.0.0.1:${proxy.httpsPort}/some/where?x=1`);
  });

  it('sends each security header once: HSTS from nginx on every answer, the rest from the app', async () => {
    const once = [
      'strict-transport-security',
      'content-security-policy',
      'x-frame-options',
      'x-content-type-options',
      'referrer-policy',
      'x-request-id',
    ];
    const answer = await proxy.https('/healthz');
    for (const name of once)
      expect(
        answer.rawNames.filter((n) => n === name),
        name,
      ).toHaveLength(1);
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(answer.headers.server).toBe('nginx'); // no version
    // The plain 404 stays bare but for HSTS, which says nothing about what is behind.
    const missing = await proxy.https('/no/such/path');
    expect(missing.status).toBe(404);
    expect(missing.rawNames.filter((n) => n === 'strict-transport-security')).toHaveLength(1);
    expect(missing.rawNames).not.toContain('content-security-policy');
    expect(missing.rawNames).not.toContain('x-request-id');
  });

  it('gives the app the client address through X-Forwarded-For, and only through the proxy', async () => {
    // A client on 127.0.0.2 claiming another address: nginx replaces the claim with what it saw.
    const before = loggedLoginFailures().length;
    const through = await loginThroughProxy('127.0.0.2', { 'x-forwarded-for': '203.0.113.9' });
    expect(through.status).toBe(401);
    // Straight to the app from 127.0.0.4 with the same claim: that peer is not a trusted proxy.
    expect(await loginDirect('127.0.0.4', { 'x-forwarded-for': '203.0.113.9' })).toBe(401);
    expect(loggedLoginFailures().slice(before)).toEqual(['127.0.0.2', '127.0.0.4']);
  });

  it('answers 429 on the login after its burst, while the rest of the panel still answers', async () => {
    // Who answered: the app's answers carry its request id, nginx's own 429 does not.
    const answers: string[] = [];
    for (let i = 0; i < 9; i++) {
      const answer = await loginThroughProxy('127.0.0.3');
      answers.push(`${answer.headers['x-request-id'] ? 'app' : 'nginx'} ${answer.status}`);
    }
    // One at the rate and five as the burst reach the app (which locks the address itself after
    // five failures: its own 429, DIWAN_E_LOCKED_OUT); nginx refuses the rest before the app.
    expect(answers).toEqual([
      ...Array.from({ length: 5 }, () => 'app 401'),
      'app 429',
      'nginx 429',
      'nginx 429',
      'nginx 429',
    ]);
    const limited = await loginThroughProxy('127.0.0.3');
    expect(limited.rawNames.filter((n) => n === 'strict-transport-security')).toHaveLength(1);
    expect((await proxy.https('/healthz', { localAddress: '127.0.0.3' })).status).toBe(200);
    // Another address is not held back by the first one's limit.
    expect((await loginThroughProxy('127.0.0.5')).status).toBe(401);
  });

  it('carries an authenticated WebSocket to /api/v1/live and refuses another origin', async () => {
    const user = await createTestUser(testApp, 'proxied');
    const session = await loginSession(testApp, user);
    const url = `wss://127.0.0.1:${proxy.httpsPort}/api/v1/live`;
    const open = (origin: string) =>
      new Promise<WebSocket | number>((resolve, reject) => {
        const socket = new WebSocket(url, {
          headers: { cookie: session.cookie, origin },
          rejectUnauthorized: false,
        });
        sockets.push(socket);
        socket.once('open', () => resolve(socket));
        socket.once('unexpected-response', (req, res) => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        });
        socket.once('error', reject);
      });

    // Cross-site WebSocket hijacking: the browser sends the session cookie with any site's Origin.
    expect(await open('https://evil.example')).toBe(403);
    // The panel's own origin as the browser sees it (https, the proxy's host and port) passes.
    const socket = await open(`https://127.0.0.1:${proxy.httpsPort}`);
    if (typeof socket === 'number') throw new Error(`refused with ${socket}`);

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const task = await testApp.tasks.submit({
      kind: 'test.proxy',
      title: 'Through the proxy',
      input: {},
      createdBy: null,
      run: async (context) => {
        await released;
        context.log('a line through nginx');
        return { ok: true };
      },
    });
    const messages: LiveServerMessage[] = [];
    const finished = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        messages.push(JSON.parse(String(data)) as LiveServerMessage);
        if (
          messages.some(
            (m) =>
              m.type === 'update' &&
              m.channel === 'task' &&
              m.update.type === 'task' &&
              m.update.task.state === 'succeeded',
          )
        )
          resolve();
      }),
    );
    socket.send(JSON.stringify({ type: 'subscribe', channel: 'task', id: task.id }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await finished;
    const lines = messages.flatMap((m) =>
      m.type === 'update' && m.channel === 'task' && m.update.type === 'log' ? m.update.lines : [],
    );
    expect(lines.map((line) => line.line)).toEqual(['a line through nginx']);
  });

  it('passes an upload larger than the app-wide body limit to the uploads route only', async () => {
    const body = 'x'.repeat(3 * 1024 * 1024); // over the 1 MiB default
    const headers = { ...(await tokenHeaders(testApp, 'admin')), 'content-type': 'application/octet-stream' };
    const elsewhere = await proxy.https('/api/v1/auth/me', { method: 'PATCH', body, headers });
    expect(elsewhere.status).toBe(413);
    expect(elsewhere.headers['x-request-id']).toBeUndefined(); // nginx refused it before the app
    const upload = await proxy.https('/api/v1/databases/uploads', { method: 'POST', body, headers });
    expect(upload.status).toBe(201);
    expect(JSON.parse(upload.body)).toMatchObject({ sizeBytes: body.length, compressed: false });
  });
});

describe('rendering the proxy configuration', () => {
  it('diwan deploy nginx prints the rendered template and writes a missing upstream file, refusing bad values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diwan-deploy-cli-'));
    try {
      const upstreamFile = join(dir, 'upstream.conf');
      const args = [
        'deploy',
        'nginx',
        '--server-name',
        'panel.example.com',
        '--cert',
        '/etc/ssl/p.pem',
        '--key',
        '/etc/ssl/p.key',
        '--upstream-file',
        upstreamFile,
      ];
      const result = await runDiwan(args);
      expect(result.stderr).toContain(`wrote ${upstreamFile}: blue on port 8686`);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        renderPanelProxy({
          serverNames: ['panel.example.com'],
          certificate: '/etc/ssl/p.pem',
          certificateKey: '/etc/ssl/p.key',
          upstreamFile,
        }),
      );
      expect(readFileSync(upstreamFile, 'utf8')).toBe(renderUpstream('blue', 8686));
      const bad = await runDiwan([...args.slice(0, 3), 'panel.example.com;', ...args.slice(4)]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('not a host name');
      expect(bad.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const base = {
    serverNames: ['panel.example.com'],
    certificate: '/etc/ssl/panel.pem',
    certificateKey: '/etc/ssl/panel.key',
  };

  it('fills every placeholder and listens on both families by default', () => {
    const text = renderPanelProxy(base);
    expect(text).not.toMatch(/\{\{|\}\}/);
    expect(text).toContain('    listen 0.0.0.0:443 ssl http2;');
    expect(text).toContain('    listen [::]:443 ssl http2;');
    expect(text).toContain('return 301 https://$host$request_uri;');
    expect(text).toContain('client_max_body_size 1048576;');
  });

  it('refuses values that could end a directive, and the template names nothing else', () => {
    for (const name of ['panel.example.com; include /etc/shadow', 'a b', 'x\nserver {', '-x.com', '']) {
      expect(() => checkServerName(name), name).toThrow();
    }
    for (const path of ['relative/cert.pem', '/etc/ssl/a;b', '/etc/ssl/../shadow', '/etc/ssl/a b', '/x\n']) {
      expect(() => checkPath('the certificate', path), path).toThrow();
    }
    expect(() => renderPanelProxy({ ...base, listen: ['0.0.0.0; evil'] })).toThrow();
    expect(() => renderPanelProxy(base, '{{NOT_A_VALUE}}')).toThrow(/unknown value/);
    const names = new Set(
      [...readFileSync(PANEL_PROXY_TEMPLATE, 'utf8').matchAll(/\{\{([A-Z_]+)\}\}/g)].map((m) => m[1]),
    );
    expect(names.size).toBeGreaterThan(5);
  });
});
