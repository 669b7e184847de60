import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiwanError } from '../../src/contract/errors.js';
import { hostilePasswords } from './servers.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';

// Redis status and password through the API. The machine's Redis (127.0.0.1:6379) is shared by other
// tests and must keep running without a password: it is only read here. Password changes go to a
// redis-server this test starts on a port of its own with a config file of its own, restarts through
// the agent's restart hook, and stops by its PID.

const dir = mkdtempSync('/tmp/dwtest-redis-');
const configPath = join(dir, 'redis.conf');
let port = 0;
let server: ChildProcess | null = null;
let failNextRestart = false;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

function start(): void {
  server = spawn('redis-server', [configPath], { stdio: 'ignore' });
}

async function stop(): Promise<void> {
  const running = server;
  server = null;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  process.kill(running.pid!, 'SIGTERM');
  await exited;
}

async function ping(password?: string): Promise<string> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

async function untilUp(password?: string): Promise<void> {
  for (let i = 0; i < 100 && (await ping(password)) !== 'PONG'; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

let testApp: TestApp;
let machine: TestApp;
let admin: Record<string, string>;
beforeAll(async () => {
  port = await freePort();
  writeFileSync(
    configPath,
    [
      `# a Redis of this test's own`,
      'bind 127.0.0.1',
      `port ${port}`,
      'daemonize no',
      'save ""',
      'appendonly no',
      `dir ${dir}`,
      '',
    ].join('\n'),
  );
  start();
  await untilUp();
  testApp = await buildTestApp(
    {},
    {
      agent: {
        redis: {
          configPath,
          restart: async () => {
            await stop();
            if (failNextRestart) {
              failNextRestart = false;
              // What the service manager throws when an init script fails.
              throw new DiwanError(
                'DIWAN_E_HOST_COMMAND',
                'service redis-server restart failed (exit code 1)',
              );
            }
            start();
          },
        },
      },
    },
  );
  admin = await tokenHeaders(testApp, 'admin');
  // The default agent: /etc/redis/redis.conf, read and never written by this file.
  machine = await buildTestApp();
});
afterAll(async () => {
  await testApp?.close();
  await machine?.close();
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

const setPassword = (payload: object) =>
  testApp.app.inject({ method: 'POST', url: '/api/v1/redis/password', headers: admin, payload });

describe('Redis', () => {
  it("reports the machine's Redis without touching it", async () => {
    const before = readFileSync('/etc/redis/redis.conf');
    const response = await machine.app.inject({
      url: '/api/v1/redis',
      headers: await tokenHeaders(machine, 'read'),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      running: true,
      passwordSet: false,
      configPath: '/etc/redis/redis.conf',
    });
    expect(response.json().version).toMatch(/^\d+\.\d+/);
    expect(readFileSync('/etc/redis/redis.conf').equals(before)).toBe(true);
  });

  it('sets a generated password: written to the config, restarted, refused without it', async () => {
    const seeded = new Redis({ port, host: '127.0.0.1' });
    await seeded.set('a', '1');
    await seeded.select(2);
    await seeded.set('b', '2', 'EX', 100);
    seeded.disconnect();

    const response = await setPassword({});
    expect(response.statusCode, response.body).toBe(200);
    const { password, status } = response.json();
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(status).toMatchObject({ running: true, passwordSet: true, configPath });
    expect(readFileSync(configPath, 'utf8')).toContain(`\nrequirepass "${password}"\n`);
    expect(readFileSync(configPath, 'utf8').startsWith("# a Redis of this test's own\n")).toBe(true);
    expect(await ping()).toMatch(/NOAUTH/);
    expect(await ping(password)).toBe('PONG');
    expect(testApp.logs.text).not.toContain(password);
    expect(JSON.stringify(await testApp.services.audit.list({ action: 'redis.', limit: 10 }))).not.toContain(
      password,
    );

    const given = await setPassword({ password: 'Second-redis-pass-2' });
    expect(given.statusCode, given.body).toBe(200);
    expect(given.json().password).toBeUndefined();
    expect(await ping(password)).not.toBe('PONG');
    expect(await ping('Second-redis-pass-2')).toBe('PONG');
    // Nothing persisted: the keys were lost with the restarts, so the status shows empty databases.
    const status2 = (await testApp.app.inject({ url: '/api/v1/redis', headers: admin })).json();
    expect(status2).toMatchObject({ running: true, persistence: { rdbSaves: [], appendOnly: false } });
  });

  it('puts the old config back when the restart fails, and refuses a hostile password', async () => {
    const before = readFileSync(configPath);
    failNextRestart = true;
    const failed = await setPassword({ password: 'Third-redis-pass-3' });
    expect(failed.statusCode).toBe(502);
    expect(failed.json().error.message).toMatch(/restart failed .*the old configuration was put back/);
    expect(readFileSync(configPath).equals(before)).toBe(true);
    await untilUp('Second-redis-pass-2');
    expect(await ping('Second-redis-pass-2')).toBe('PONG');

    for (const password of hostilePasswords) {
      const response = await setPassword({ password });
      expect(response.statusCode, password).toBe(400);
      expect(response.json().error.field).toBe('password');
    }
    expect(readFileSync(configPath).equals(before)).toBe(true);
  });
});
