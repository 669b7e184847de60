import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoftwareStatus } from '../../src/contract/software.js';
import type { TaskView } from '../../src/contract/tasks.js';
import { listProcesses } from '../../src/server/host/services.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';

// The Software center against the real apt and init scripts of this machine, through the API.
// openssh-server is the package under test: the provisioning does not install it and no other test
// needs it. The test leaves it as it found it: not installed.

let testApp: TestApp;
let admin: Record<string, string>;
let reader: Record<string, string>;
beforeAll(async () => {
  testApp = await buildTestApp();
  admin = await tokenHeaders(testApp, 'admin');
  reader = await tokenHeaders(testApp, 'read');
});
afterAll(async () => {
  await testApp?.close();
});

async function catalog(): Promise<SoftwareStatus[]> {
  const response = await testApp.app.inject({ url: '/api/v1/software', headers: reader });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().software;
}

async function entry(name: string): Promise<SoftwareStatus> {
  return (await catalog()).find((row) => row.name === name)!;
}

async function post(path: string, headers = admin, payload: object = {}) {
  return testApp.app.inject({ method: 'POST', url: `/api/v1/software/${path}`, headers, payload });
}

/** Waits for a task to end; returns it with its whole log. */
async function finished(task: TaskView): Promise<{ task: TaskView; log: string[] }> {
  const deadline = Date.now() + 280_000;
  while (Date.now() < deadline) {
    const response = await testApp.app.inject({
      url: `/api/v1/tasks/${task.id}?limit=5000`,
      headers: reader,
    });
    const body = response.json();
    if (!['queued', 'running'].includes(body.task.state))
      return { task: body.task, log: body.log.map((line: { line: string }) => line.line) };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`task ${task.id} did not finish`);
}

const sshdRunning = () => listProcesses().some((process) => process.comm === 'sshd');
/** The listening sshd (it retitles itself `sshd: /usr/sbin/sshd [listener] …`), not a session's. */
const sshdPid = () =>
  listProcesses().find((process) => process.comm === 'sshd' && /\[listener\]/.test(process.argv[0] ?? ''))
    ?.pid;
const dpkgVersion = (name: string) =>
  execFileSync('dpkg-query', ['-W', '-f', '${Version}', '--', name], { encoding: 'utf8' });

describe('the Software center on this machine', () => {
  it('reports the whole catalog with versions from dpkg and processes from /proc', async () => {
    const rows = await catalog();
    expect(rows.map((row) => row.name)).toEqual([
      'nginx',
      'mariadb',
      'postgresql',
      'redis',
      'php-fpm',
      'cron',
      'nftables',
      'fail2ban',
      'openssh-server',
    ]);
    const nginx = rows.find((row) => row.name === 'nginx')!;
    expect(nginx).toMatchObject({ installed: true, version: dpkgVersion('nginx'), daemon: true });
    expect(rows.find((row) => row.name === 'mariadb')).toMatchObject({ installed: true, running: true });
    expect(rows.find((row) => row.name === 'nftables')).toMatchObject({ daemon: false, running: null });
    const php = rows.find((row) => row.name === 'php-fpm')!;
    expect(php.variants).toContainEqual(
      expect.objectContaining({ version: '8.2', package: 'php8.2-fpm', installed: true }),
    );
    expect(php.version).toBe(dpkgVersion('php8.2-fpm'));
  });

  it('refuses bad names, versions and actions with a 400, and read tokens with a 403, before any task', async () => {
    const before = (await testApp.tasks.list({ limit: 200 })).length;
    for (const [path, payload] of [
      ['apache2/install', {}],
      ['nginx;id/install', {}],
      ['..%2Fetc/install', {}],
      ['nginx/install', { version: '8.2' }],
      ['php-fpm/install', { version: '8.2; id' }],
      ['php-fpm/install', { version: '-8.2' }],
      ['nginx/install', { purge: true }],
    ] as const) {
      const response = await post(path, admin, payload);
      expect(response.statusCode, path).toBe(400);
      expect(response.json().error.code, path).toBe('DIWAN_E_VALIDATION');
    }
    expect((await post('nginx/explode')).statusCode).toBe(404);
    const readOnly = await post('openssh-server/install', reader);
    expect(readOnly.statusCode).toBe(403);
    const logs = await testApp.app.inject({ url: '/api/v1/software/nginx/logs?lines=5000', headers: admin });
    expect(logs.statusCode).toBe(400);
    expect((await testApp.tasks.list({ limit: 200 })).length).toBe(before);
    // Service logs are for administrators only: the agent refuses a read token by itself.
    const readLogs = await testApp.app.inject({ url: '/api/v1/software/nginx/logs', headers: reader });
    expect(readLogs.statusCode).toBe(403);
  });

  it('installs openssh-server with apt as a task, starts it, stops, starts, restarts, reloads, disables and enables it at boot, and removes it', async () => {
    if ((await entry('openssh-server')).installed) {
      const cleanup = await finished((await post('openssh-server/uninstall')).json());
      expect(cleanup.task.state, cleanup.log.join('\n')).toBe('succeeded');
    }
    expect(sshdRunning()).toBe(false);

    const accepted = await post('openssh-server/install');
    expect(accepted.statusCode, accepted.body).toBe(202);
    expect(accepted.json()).toMatchObject({ kind: 'software.install', state: 'queued' });
    const install = await finished(accepted.json());
    expect(install.task.state, install.log.join('\n')).toBe('succeeded');
    expect(install.task.progress).toBe(100);
    expect(install.log.some((line) => /Setting up openssh-server/.test(line))).toBe(true);
    expect(install.log).toContain('Starting ssh');
    // Its phases, as step lines: named in order, the package's own output under each.
    expect(install.log.indexOf('Install openssh-server')).toBeLessThan(
      install.log.indexOf('Start ssh and check that it runs'),
    );
    expect(install.log.indexOf('Install openssh-server')).toBeGreaterThanOrEqual(0);

    const installed = await entry('openssh-server');
    expect(installed).toMatchObject({
      installed: true,
      version: dpkgVersion('openssh-server'),
      running: true,
      enabledAtBoot: true,
    });
    expect(sshdRunning()).toBe(true);

    const stopped = await post('openssh-server/stop');
    expect(stopped.statusCode, stopped.body).toBe(200);
    expect(stopped.json()).toMatchObject({ running: false });
    expect(sshdRunning()).toBe(false);
    const started = await post('openssh-server/start');
    expect(started.json()).toMatchObject({ running: true });
    expect(sshdRunning()).toBe(true);
    // Restart: a new daemon; reload: the same one, told to read its configuration again.
    const before = sshdPid();
    expect(before).toBeDefined();
    const restarted = await post('openssh-server/restart');
    expect(restarted.statusCode, restarted.body).toBe(200);
    expect(restarted.json()).toMatchObject({ running: true });
    const after = sshdPid();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const reloaded = await post('openssh-server/reload');
    expect(reloaded.statusCode, reloaded.body).toBe(200);
    expect(reloaded.json()).toMatchObject({ running: true });
    expect(sshdPid()).toBe(after);
    // At boot: off, then on again.
    expect((await post('openssh-server/disable')).json()).toMatchObject({ enabledAtBoot: false });
    expect((await post('openssh-server/enable')).json()).toMatchObject({ enabledAtBoot: true });

    const logs = await testApp.app.inject({
      url: '/api/v1/software/openssh-server/logs?lines=20',
      headers: admin,
    });
    expect(logs.statusCode).toBe(200);
    expect(logs.json()).toMatchObject({ name: 'openssh-server', lines: expect.any(Array) });

    const removal = await finished((await post('openssh-server/uninstall')).json());
    expect(removal.task.state, removal.log.join('\n')).toBe('succeeded');
    expect(removal.log).toContain('Stopping ssh');
    expect(await entry('openssh-server')).toMatchObject({ installed: false, running: false, version: null });
    expect(sshdRunning()).toBe(false);

    const audited = await testApp.services.audit.list({ action: 'software.', limit: 20 });
    expect(audited.map((row) => `${row.action} ${row.target} ${row.outcome}`)).toEqual(
      expect.arrayContaining([
        'software.install openssh-server success',
        'software.stop openssh-server success',
        'software.start openssh-server success',
        'software.restart openssh-server success',
        'software.reload openssh-server success',
        'software.disable openssh-server success',
        'software.enable openssh-server success',
        'software.uninstall openssh-server success',
      ]),
    );
  }, 600_000);
});
