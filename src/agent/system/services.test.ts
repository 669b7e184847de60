import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hostile from '../../../test/fixtures/hostile-inputs.json' with { type: 'json' };
import { DiwanError } from '../../contract/errors.js';
import { isDirectory, readText } from '../../server/host/detect.js';
import { listProcesses } from '../../server/host/services.js';
import { run } from './exec.js';
import { recordingRunner } from './recording-runner.js';
import { SystemdServices } from './services-systemd.js';
import { SysvServices } from './services-sysv.js';
import { createServiceManager, type ServiceManager } from './services.js';
import { HOST_LOCK_TIMEOUT_MS, lockHostService } from '../../../test/support/host-lock.js';

// Against the real init system: nginx and cron are stopped, started, restarted, reloaded, enabled
// and disabled for real, and left as they were found. scripts/provision-host.sh installs both;
// without them these tests fail (they never skip).

const services = createServiceManager();
const WAIT_MS = 15_000;

function nginxMaster(): number | null {
  // The pid file names the system's nginx, not a test's private instance with its own -c config.
  const pid = Number(readText('/', 'run/nginx.pid')?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const argv0 = readText('/', `proc/${pid}/cmdline`)?.split('\0')[0] ?? '';
  return argv0.startsWith('nginx: master process') ? pid : null;
}

function nginxWorkers(master: number): number[] {
  return listProcesses()
    .filter((process) => process.comm === 'nginx' && parentOf(process.pid) === master)
    .map((process) => process.pid)
    .sort();
}

function parentOf(pid: number): number | null {
  // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
  const stat = readText('/', `proc/${pid}/stat`);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields?.[1] === undefined ? null : Number(fields[1]);
}

const running: Record<string, () => boolean> = {
  nginx: () => nginxMaster() !== null,
  cron: () => listProcesses().some((process) => process.comm === 'cron'),
};

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${WAIT_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every rc?.d entry that belongs to a unit, e.g. `rc2.d/S01cron`: the boot state to put back. */
function bootLinks(unit: string): string[] {
  return readdirSync('/etc')
    .filter((dir) => /^rc[0-6S]\.d$/.test(dir))
    .flatMap((dir) => readdirSync(join('/etc', dir)).map((entry) => `${dir}/${entry}`))
    .filter((link) => /^[SK]\d\d(.+)$/.exec(link.split('/')[1] ?? '')?.[1] === unit)
    .sort();
}

async function refusal(promise: Promise<unknown>): Promise<DiwanError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiwanError);
  return error as DiwanError;
}

// Put back with the programs themselves, not with the adapter under test.
async function putBack(
  unit: string,
  wasRunning: boolean,
  links: string[],
  wasEnabled: boolean,
): Promise<void> {
  const init = (verb: string) =>
    services.init === 'systemd' ? run('systemctl', [verb, '--', unit]) : run('service', [unit, verb]);
  if (running[unit]?.() !== wasRunning) await init(wasRunning ? 'start' : 'stop');
  if (services.init === 'systemd') {
    await run('systemctl', [wasEnabled ? 'enable' : 'disable', '--', unit]);
  }
  if (bootLinks(unit).join() !== links.join()) {
    await run('update-rc.d', ['-f', unit, 'remove']);
    if (links.some((link) => /^rc[2-5]\.d\/S/.test(link))) await run('update-rc.d', [unit, 'defaults']);
    else if (links.length > 0) await run('update-rc.d', [unit, 'defaults-disabled']);
  }
}

describe('services on this host', () => {
  const units = ['nginx', 'cron'] as const;
  const before = new Map<string, { running: boolean; links: string[]; enabled: boolean }>();
  let unlock = () => {};

  beforeAll(async () => {
    // sites-cli.test starts and stops the same nginx.
    const unlockNginx = await lockHostService('nginx');
    // production-topology.test starts and stops cron through the API.
    const unlockCron = await lockHostService('cron');
    unlock = () => {
      unlockCron();
      unlockNginx();
    };
    for (const unit of units) {
      expect(
        readText('/', `etc/init.d/${unit}`),
        `/etc/init.d/${unit}: run scripts/provision-host.sh`,
      ).not.toBe(null);
      before.set(unit, {
        running: running[unit]!(),
        links: bootLinks(unit),
        enabled: (await services.enabledAtBoot([unit])).get(unit)!,
      });
    }
  }, HOST_LOCK_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    try {
      for (const [unit, state] of before) await putBack(unit, state.running, state.links, state.enabled);
      for (const [unit, state] of before) {
        expect(running[unit]!(), `${unit} running as before`).toBe(state.running);
        expect(bootLinks(unit), `${unit} boot links as before`).toEqual(state.links);
      }
    } finally {
      unlock();
    }
  }, 60_000);

  it('uses the init system that runs the host', () => {
    expect(services.init).toBe(isDirectory('/run/systemd/system') ? 'systemd' : 'sysv');
  });

  it.each(units)('stops and starts %s, as its processes show', async (unit) => {
    const isRunning = running[unit]!;
    await services.stop(unit);
    await eventually(() => !isRunning(), `${unit} stopped`);
    expect(await services.isActive(unit)).toBe(false);
    expect(await services.status(unit)).toMatchObject({ active: false, state: 'stopped' });

    await services.start(unit);
    await eventually(isRunning, `${unit} running`);
    expect(await services.isActive(unit)).toBe(true);
    expect(await services.status(unit)).toMatchObject({ active: true, state: 'running' });
  });

  it('restart gives nginx a new master; reload keeps the master and replaces the workers', async () => {
    await services.start('nginx');
    await eventually(running.nginx!, 'nginx running');
    const first = nginxMaster();

    await services.restart('nginx');
    await eventually(() => nginxMaster() !== null && nginxMaster() !== first, 'a new nginx master');
    const master = nginxMaster()!;
    await eventually(() => nginxWorkers(master).length > 0, 'nginx workers');
    const workers = nginxWorkers(master);

    await services.reload('nginx');
    // The master re-reads its config and starts new workers; the old ones finish and exit.
    await eventually(() => {
      const now = nginxWorkers(master);
      return now.length > 0 && now.every((pid) => !workers.includes(pid));
    }, 'new nginx workers after reload');
    expect(nginxMaster()).toBe(master);
  });

  it('reports a service that does not exist as not running, and fails to start it with the reason', async () => {
    const status = await services.status('diwan-no-such-service');
    expect(status.active).toBe(false);
    expect(status.message).not.toBe('');

    const error = await refusal(services.start('diwan-no-such-service'));
    expect(error.code).toBe('DIWAN_E_HOST_COMMAND');
    // The program's own words, not only ours: `unrecognized service` (sysv), `not found` (systemd).
    expect(error.message).toMatch(/: .*(unrecognized service|not found)/);
  });

  it.each(units)('disable and enable flip enabledAtBoot for %s, and touch no other unit', async (unit) => {
    const others = ['redis-server', 'mariadb', 'postgresql'];
    const othersBefore = await services.enabledAtBoot(others);

    await services.disable(unit);
    expect((await services.enabledAtBoot([unit, ...others])).get(unit)).toBe(false);
    await services.enable(unit);
    const after = await services.enabledAtBoot([unit, ...others]);
    expect(after.get(unit)).toBe(true);
    expect(new Map(others.map((other) => [other, after.get(other)]))).toEqual(othersBefore);
  });

  it('sysv: a script without boot links gets them from enable (defaults) and disable (defaults-disabled)', async () => {
    const sysv = new SysvServices();
    await run('update-rc.d', ['-f', 'cron', 'remove']);
    expect(bootLinks('cron')).toEqual([]);
    expect((await sysv.enabledAtBoot(['cron'])).get('cron')).toBe(false);

    await sysv.enable('cron');
    expect(bootLinks('cron').filter((link) => /^rc[2-5]\.d\/S\d\dcron$/.test(link))).toHaveLength(4);
    expect((await sysv.enabledAtBoot(['cron'])).get('cron')).toBe(true);

    await run('update-rc.d', ['-f', 'cron', 'remove']);
    await sysv.disable('cron');
    // K links: a later `update-rc.d cron defaults` from a package upgrade will not re-enable it.
    expect(bootLinks('cron').filter((link) => /^rc[2-5]\.d\/K\d\dcron$/.test(link))).toHaveLength(4);
    expect((await sysv.enabledAtBoot(['cron'])).get('cron')).toBe(false);
  });

  it('answers enabledAtBoot for unknown units with false, in one map', async () => {
    const answer = await services.enabledAtBoot(['diwan-no-such-service', 'cron', 'nginx']);
    expect([...answer.keys()]).toEqual(['diwan-no-such-service', 'cron', 'nginx']);
    expect(answer.get('diwan-no-such-service')).toBe(false);
  });
});

describe('service logs without a journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'diwan-service-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are the tail of the given files, cut to the lines asked', async () => {
    const path = join(dir, 'error.log');
    const lines = Array.from({ length: 500 }, (_, i) => `2026/01/01 00:00:00 [error] line ${i + 1}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const tail = await new SysvServices().logs('nginx', {
      lines: 20,
      files: [path, join(dir, 'missing.log')],
    });
    expect(tail).toEqual(lines.slice(-20));
    expect(readFileSync(path, 'utf8')).toContain('line 1\n'); // read, not truncated or rotated
  });
});

describe('unit names', () => {
  const bad = [
    '../x',
    '-x',
    'a b',
    'x;reboot',
    'x\n',
    'x'.repeat(300),
    '',
    'Nginx',
    'a..b',
    'a/b',
    ...hostile.shell.values,
    ...hostile.argument.values,
  ];

  it.each(['sysv', 'systemd'] as const)(
    'are refused by the %s backend before anything runs',
    async (init) => {
      const runner = recordingRunner();
      const manager: ServiceManager =
        init === 'sysv' ? new SysvServices(runner) : new SystemdServices(runner);
      const calls: ((unit: string) => Promise<unknown>)[] = [
        (unit) => manager.start(unit),
        (unit) => manager.stop(unit),
        (unit) => manager.restart(unit),
        (unit) => manager.reload(unit),
        (unit) => manager.status(unit),
        (unit) => manager.isActive(unit),
        (unit) => manager.enable(unit),
        (unit) => manager.disable(unit),
        (unit) => manager.enabledAtBoot(['nginx', unit]),
        (unit) => manager.logs(unit, { lines: 10, files: [] }),
      ];
      for (const unit of bad) {
        for (const call of calls) {
          const error = await refusal(call(unit));
          expect(error, JSON.stringify(unit)).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'unit' });
          expect(error.message.length).toBeLessThan(200);
        }
      }
      expect(runner.calls).toEqual([]);
    },
  );

  it('accept what init systems name their services', async () => {
    const runner = recordingRunner();
    const sysv = new SysvServices(runner);
    for (const unit of [
      'nginx',
      'php8.2-fpm',
      'redis-server',
      'getty@tty1',
      'nginx.service',
      'a'.repeat(64),
    ]) {
      await sysv.start(unit);
    }
    expect(runner.calls.map((call) => call.args[0])).toHaveLength(6);
  });
});
