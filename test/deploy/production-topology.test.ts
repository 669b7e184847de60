import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_PROTOCOL_VERSION } from '../../src/contract/agent-ops.js';
import { cleanEnv, diwanBin, freePort } from '../support/cli.js';
import { HOST_LOCK_TIMEOUT_MS, lockHostService } from '../support/host-lock.js';

// Diwan as it runs in production on this machine: the agent as root on its socket, the web tier as
// the unprivileged user `diwan` (made by scripts/provision-host.sh), SQLite in a data dir that user
// owns. What systemd would add (the hardening of deploy/systemd/) is checked in systemd.test.ts.

interface Account {
  uid: number;
  gid: number;
}

function account(name: string): Account {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  if (!line) throw new Error(`no user "${name}": scripts/provision-host.sh creates it`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const started: ChildProcess[] = [];
let dir: string;
let env: Record<string, string>;
let diwan: Account;
let web: { child: ChildProcess; base: string; username: string; password: string; entrance: string };

/** Starts a diwan command and resolves once its output matches `ready`. */
function startCommand(
  args: string[],
  as: Account | null,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [diwanBin, ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(as ? { uid: as.uid, gid: as.gid } : {}),
  });
  started.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`diwan ${args[0]} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`diwan ${args[0]} exited with ${code}:\n${output}`));
    });
  });
}

/** Runs node as `as`, and returns what it printed and its exit code. */
function nodeAs(as: Account, script: string) {
  const result = spawnSync(process.execPath, ['-e', script], {
    uid: as.uid,
    gid: as.gid,
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** One exchange with the agent's socket, as any local process could attempt it. */
function callAgent(socketPath: string, auth: unknown): Promise<{ type: string; error?: { code: string } }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = '';
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`${JSON.stringify({ type: 'hello', version: AGENT_PROTOCOL_VERSION })}\n`);
      socket.write(`${JSON.stringify({ type: 'call', id: 1, op: 'software.status', input: {}, auth })}\n`);
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n').filter(Boolean);
      const answer = lines
        .map((line) => JSON.parse(line) as { type: string; id?: number })
        .find((m) => m.id === 1);
      if (answer) {
        socket.end();
        resolve(answer as { type: string; error?: { code: string } });
      }
    });
  });
}

beforeAll(async () => {
  diwan = account('diwan');
  dir = mkdtempSync('/tmp/diwan-topology-');
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  chownSync(data, diwan.uid, diwan.gid);
  const port = await freePort();
  env = {
    DIWAN_ENV: 'production',
    DIWAN_SECRET: 'topology-secret-'.padEnd(48, 'x'),
    DIWAN_DATA_DIR: data,
    DIWAN_AGENT_SOCKET: join(dir, 'run', 'agent.sock'),
    DIWAN_PORT: String(port),
    DIWAN_LOG_LEVEL: 'warn',
  };
  // As systemd does it: migrations by the web tier's user, then the agent, then the web tier.
  const migrate = spawnSync(process.execPath, [diwanBin, 'migrate', 'up'], {
    env: cleanEnv(env),
    uid: diwan.uid,
    gid: diwan.gid,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(migrate.status, `${migrate.stdout}${migrate.stderr}`).toBe(0);
  await startCommand(['agent', '--group', 'diwan'], null, /listening on/);
  const serve = await startCommand(['serve'], diwan, /Password\s+\S+/);
  const text = serve.output();
  const loginUrl = /Log in at\s+(http:\/\/\S+)/.exec(text)![1]!;
  web = {
    child: serve.child,
    base: new URL(loginUrl).origin,
    entrance: new URL(loginUrl).pathname.slice(1),
    username: /Username\s+(\S+)/.exec(text)![1]!,
    password: /Password\s+(\S+)/.exec(text)![1]!,
  };
}, 120_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    started.map((child) =>
      child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null,
    ),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('production topology: root agent, unprivileged web tier', () => {
  it('runs the web tier as diwan, which cannot write under /etc', () => {
    const status = readFileSync(`/proc/${web.child.pid}/status`, 'utf8');
    const uids = /^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/).map(Number);
    expect(uids).toEqual([diwan.uid, diwan.uid, diwan.uid, diwan.uid]);
    expect(/^CapEff:\s+0+$/m.test(status)).toBe(true);
    const probe = '/etc/diwan-topology-probe';
    const attempt = nodeAs(diwan, `require('fs').writeFileSync(${JSON.stringify(probe)}, 'x')`);
    expect(attempt.code).not.toBe(0);
    expect(attempt.output).toMatch(/EACCES/);
    expect(existsSync(probe)).toBe(false);
  });

  it('keeps the socket to root and the web tier: 0660 root:diwan in a directory only they enter', async () => {
    const socketPath = env.DIWAN_AGENT_SOCKET!;
    expect(statSync(socketPath)).toMatchObject({ uid: 0, gid: diwan.gid });
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o750);
    const nobody = account('nobody');
    const attempt = nodeAs(
      nobody,
      `require('net').createConnection(${JSON.stringify(socketPath)}).on('error', (e) => { console.log(e.code); process.exit(3) })`,
    );
    expect(attempt).toMatchObject({ code: 3 });
    expect(attempt.output).toMatch(/EACCES/);
  });

  it(
    'serves an operation through the API, the web tier asking the root agent with the user session',
    async () => {
      const login = await fetch(`${web.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: web.username, password: web.password, entrance: web.entrance }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const changed = await fetch(`${web.base}/api/v1/auth/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken, origin: web.base },
        body: JSON.stringify({ currentPassword: web.password, newPassword: 'a-long-topology-password-2026' }),
      });
      expect(changed.status, await changed.clone().text()).toBeLessThan(300);

      const software = await fetch(`${web.base}/api/v1/software`, { headers: { cookie } });
      expect(software.status, await software.clone().text()).toBe(200);
      const body = (await software.json()) as {
        software: { name: string; installed: boolean }[];
        init: string;
      };
      expect(body.software.find((row) => row.name === 'nginx')).toMatchObject({ installed: true });
      expect(body.init).toBe('sysv');

      // A change to the host through the socket, by the root agent for the user's session: cron
      // started (or stopped, if it ran) and put back as it was found.
      const unlock = await lockHostService('cron');
      try {
        const cron = async () =>
          (
            (await (await fetch(`${web.base}/api/v1/software`, { headers: { cookie } })).json()) as {
              software: { name: string; running: boolean }[];
            }
          ).software.find((row) => row.name === 'cron')!.running;
        const change = (action: 'start' | 'stop') =>
          fetch(`${web.base}/api/v1/software/cron/${action}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              cookie,
              'x-csrf-token': csrfToken,
              origin: web.base,
            },
            body: '{}',
          });
        const ranBefore = await cron();
        const first = await change(ranBefore ? 'stop' : 'start');
        expect(first.status, await first.clone().text()).toBe(200);
        expect(((await first.json()) as { running: boolean }).running).toBe(!ranBefore);
        expect(await cron()).toBe(!ranBefore);
        const back = await change(ranBefore ? 'start' : 'stop');
        expect(back.status, await back.clone().text()).toBe(200);
        expect(await cron()).toBe(ranBefore);
      } finally {
        unlock();
      }

      // A caller on the socket without a live credential: refused, and audited by the agent itself.
      expect(await callAgent(env.DIWAN_AGENT_SOCKET!, null)).toMatchObject({
        type: 'error',
        error: { code: 'DIWAN_E_UNAUTHORIZED' },
      });
      expect(await callAgent(env.DIWAN_AGENT_SOCKET!, { session: 'dws_stolen-or-made-up' })).toMatchObject({
        error: { code: 'DIWAN_E_UNAUTHORIZED' },
      });
      // The agent writes its audit rows after answering: wait for both (a few seconds at most).
      let entries: { outcome: string; actorType: string }[] = [];
      for (let attempt = 0; attempt < 50 && entries.length < 2; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        const audit = await fetch(`${web.base}/api/v1/audit?action=agent.software.status`, {
          headers: { cookie },
        });
        entries = ((await audit.json()) as { entries: typeof entries }).entries;
      }
      expect(entries).toHaveLength(2);
      expect(entries.every((entry) => entry.outcome === 'denied' && entry.actorType === 'anonymous')).toBe(
        true,
      );
    },
    HOST_LOCK_TIMEOUT_MS + 60_000,
  ); // it may wait for services.test, which holds cron meanwhile
});
