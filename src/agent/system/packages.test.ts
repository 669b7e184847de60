import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hostile from '../../../test/fixtures/hostile-inputs.json' with { type: 'json' };
import { DiwanError } from '../../contract/errors.js';
import { run, type RunOptions } from './exec.js';
import type { Runner } from './host-command.js';
import { AptPackages } from './packages-apt.js';
import { DnfPackages } from './packages-dnf.js';
import { createPackageManager, type PackageManager } from './packages.js';
import { recordingRunner } from './recording-runner.js';

// Against the real dpkg, apt and Debian mirror: `hello` (a 53 kB package nothing depends on) is
// installed and removed for real. Needs network to the mirror; without it these tests fail.

const packages = createPackageManager();
const LONG_MS = 5 * 60_000;

async function refusal(promise: Promise<unknown>): Promise<DiwanError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiwanError);
  return error as DiwanError;
}

async function dpkgVersion(name: string): Promise<string> {
  return (await run('dpkg-query', ['-W', '-f', '${Version}', '--', name])).stdout;
}

async function isInstalled(name: string): Promise<boolean> {
  const status = await run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', '--', name]).then(
    (result) => result.stdout,
    () => '',
  );
  return status.startsWith('ii');
}

describe('apt on this host', () => {
  let helloWasInstalled = false;

  beforeAll(async () => {
    expect(packages.kind).toBe('apt');
    helloWasInstalled = await isInstalled('hello');
  });

  afterAll(async () => {
    // Put back what the install-and-remove test may have left half-way, with apt-get itself.
    if (!helloWasInstalled && (await isInstalled('hello'))) {
      await run('apt-get', ['-y', 'purge', '--', 'hello'], {
        env: { DEBIAN_FRONTEND: 'noninteractive' },
        timeoutMs: LONG_MS,
      });
    }
  }, LONG_MS);

  it('reads installed versions with one dpkg-query, unknown names as null', async () => {
    const versions = await packages.installedVersions(['nginx', 'diwan-no-such-package', 'cron']);
    expect([...versions.keys()]).toEqual(['nginx', 'diwan-no-such-package', 'cron']);
    expect(versions.get('nginx')).toBe(await dpkgVersion('nginx'));
    expect(versions.get('nginx')).toMatch(/^\d/);
    expect(versions.get('cron')).toBe(await dpkgVersion('cron'));
    expect(versions.get('diwan-no-such-package')).toBeNull();
  });

  it('reads the candidate version the distribution offers', async () => {
    const candidates = await packages.available(['hello', 'nginx', 'diwan-no-such-package']);
    expect(candidates.get('hello')).toMatch(/^\d[\w.+~:-]*$/);
    expect(candidates.get('nginx')).toMatch(/^\d/);
    expect(candidates.get('diwan-no-such-package')).toBeNull();
  });

  it('finds package names by pattern, e.g. every PHP-FPM version offered', async () => {
    const names = await packages.findNames(/^php\d+\.\d+-fpm$/g);
    expect(names).toContain('php8.2-fpm');
    for (const name of names) expect(name).toMatch(/^php\d+\.\d+-fpm$/);
    expect(await packages.findNames(/^diwan-no-such-package-\d+$/)).toEqual([]);
  });

  it(
    'installs and removes hello for real, with apt’s output and progress, waiting for the dpkg lock',
    async () => {
      expect(helloWasInstalled, 'hello must not be installed before this test (it removes it)').toBe(false);
      expect(existsSync('/usr/bin/hello')).toBe(false);
      const candidate = (await packages.available(['hello'])).get('hello');

      // Another package manager holds dpkg's lock (as apt and unattended-upgrades take it: a POSIX
      // lock on lock-frontend): the install waits for it instead of failing.
      const holder = spawn(
        'python3',
        [
          '-c',
          'import fcntl, sys\nf = open("/var/lib/dpkg/lock-frontend", "w")\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint("held", flush=True)\nsys.stdin.read()',
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      await once(holder.stdout, 'data');
      const lines: string[] = [];
      const progress: number[] = [];
      let settled = false;
      const installing = packages
        .install(['hello'], {
          onLine: (_stream, line) => lines.push(line),
          onProgress: (percent) => progress.push(percent),
        })
        .finally(() => (settled = true));
      await sleep(3_000);
      expect(settled, 'the install must wait while the lock is held').toBe(false);
      expect(existsSync('/usr/bin/hello')).toBe(false);
      holder.stdin.end();
      await once(holder, 'exit');
      await installing;
      expect(lines.some((line) => line.includes('Could not get lock /var/lib/dpkg/lock-frontend'))).toBe(
        true,
      );
      expect(existsSync('/usr/bin/hello')).toBe(true);
      expect((await run('/usr/bin/hello', [])).stdout).toBe('Hello, world!\n');
      expect((await packages.installedVersions(['hello'])).get('hello')).toBe(candidate);
      expect(lines).toContain(`Setting up hello (${candidate}) ...`);
      // Status lines become progress and stay out of the log.
      expect(lines.filter((line) => /^(dl|pm)status:/.test(line))).toEqual([]);
      expect(progress.at(-1)).toBe(100);
      expect(progress.some((percent) => percent > 0 && percent < 100)).toBe(true);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));

      lines.length = 0;
      progress.length = 0;
      await packages.remove(['hello'], {
        purge: true,
        onLine: (_stream, line) => lines.push(line),
        onProgress: (percent) => progress.push(percent),
      });
      expect(existsSync('/usr/bin/hello')).toBe(false);
      expect((await packages.installedVersions(['hello'])).get('hello')).toBeNull();
      expect(lines.some((line) => line.startsWith('Removing hello'))).toBe(true);
      expect(progress.at(-1)).toBe(100);
    },
    LONG_MS,
  );

  it('refuses a removal that would take other packages with it', async () => {
    // The real apt simulates; anything but a simulation is blocked here, so even a broken guard
    // could not remove php8.2-fpm from this host.
    const simulateOnly: Runner = (file, args, options) =>
      args.includes('-s')
        ? run(file, args, options)
        : Promise.reject(new Error(`blocked: ${file} ${args.join(' ')}`));
    const error = await refusal(new AptPackages(simulateOnly).remove(['php8.2-common']));
    expect(error).toMatchObject({ code: 'DIWAN_E_CONFLICT', field: 'packages' });
    expect(error.message).toContain('php8.2-fpm');
    expect(await isInstalled('php8.2-fpm')).toBe(true);
  });

  it(
    'reports a package apt cannot find with apt’s words',
    async () => {
      const error = await refusal(packages.install(['diwan-no-such-package'], { timeoutMs: LONG_MS }));
      expect(error.code).toBe('DIWAN_E_HOST_COMMAND');
      expect(error.message).toContain('Unable to locate package diwan-no-such-package');
    },
    LONG_MS,
  );
});

describe('apt-get runs', () => {
  const lists = mkdtempSync(join(tmpdir(), 'diwan-apt-lists-'));
  afterAll(() => rmSync(lists, { recursive: true, force: true }));

  function freshLists(): string {
    const dir = mkdtempSync(join(lists, 'fresh-'));
    writeFileSync(join(dir, 'deb.debian.org_debian_dists_bookworm_InRelease'), '');
    return dir;
  }

  it('are non-interactive, keep config files, wait for the lock and put -- before names', async () => {
    const runner = recordingRunner();
    await new AptPackages(runner, undefined, freshLists()).install(['nginx', 'php8.2-fpm', 'nginx']);
    expect(runner.calls).toHaveLength(1);
    const [call] = runner.calls;
    expect(call?.file).toBe('apt-get');
    expect(call?.args).toEqual([
      '-y',
      '-o',
      'DPkg::Lock::Timeout=300',
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      '-o',
      'APT::Status-Fd=1',
      'install',
      '--no-install-recommends',
      '--',
      'nginx',
      'php8.2-fpm',
    ]);
    expect(call?.options.env).toMatchObject({ DEBIAN_FRONTEND: 'noninteractive' });
    expect(call?.options.timeoutMs).toBeGreaterThan(19 * 60_000);
  });

  it('update first when the lists are missing or a day old, and again when apt cannot find a package', async () => {
    const stale = new AptPackages(recordingRunner(), undefined, join(lists, 'missing'));
    expect(await stale.listsAreFresh()).toBe(false);
    const fresh = new AptPackages(recordingRunner(), undefined, freshLists());
    expect(await fresh.listsAreFresh()).toBe(true);
    expect(await fresh.listsAreFresh(Date.now() + 25 * 60 * 60_000)).toBe(false);

    const verbs = (runner: ReturnType<typeof recordingRunner>) =>
      runner.calls.map((call) => call.args.find((arg) => ['update', 'install'].includes(arg)));

    const missing = recordingRunner();
    await new AptPackages(missing, undefined, join(lists, 'missing')).install(['hello']);
    expect(verbs(missing)).toEqual(['update', 'install']);

    let installs = 0;
    const unknown = recordingRunner((_file, args) =>
      args.includes('install') && ++installs === 1
        ? { stderr: 'E: Unable to locate package hello\n', code: 100 }
        : {},
    );
    await new AptPackages(unknown, undefined, freshLists()).install(['hello']);
    expect(verbs(unknown)).toEqual(['install', 'update', 'install']);

    const broken = recordingRunner(() => ({
      stderr: 'E: Sub-process /usr/bin/dpkg returned an error code (1)\n',
      code: 100,
    }));
    const error = await refusal(new AptPackages(broken, undefined, freshLists()).install(['hello']));
    expect(error.message).toMatch(/returned an error code \(1\)$/);
    expect(verbs(broken)).toEqual(['install']);
  });

  it('never overlap within the process, whichever object started them', async () => {
    const events: string[] = [];
    const slow: Runner = async (_file, args, _options?: RunOptions) => {
      const verb = args.find((arg) => arg === 'install' || arg === 'remove' || arg === '-s');
      events.push(`start ${verb}`);
      await sleep(40);
      events.push(`end ${verb}`);
      return { code: 0, stdout: '', stderr: '', durationMs: 40 };
    };
    const dir = freshLists();
    await Promise.all([
      new AptPackages(slow, undefined, dir).install(['a']),
      new AptPackages(slow, undefined, dir).remove(['b']),
      new AptPackages(slow, undefined, dir).install(['c']),
    ]);
    expect(events).toEqual([
      'start install',
      'end install',
      'start -s',
      'end -s',
      'start remove',
      'end remove',
      'start install',
      'end install',
    ]);
  });
});

describe('package names', () => {
  const bad = [
    '-rf',
    '--purge',
    'Hello',
    'a b',
    'a/b',
    'a_b',
    'hello\n',
    'hello:amd64',
    'x'.repeat(200),
    '',
    ...hostile.shell.values,
    ...hostile.argument.values,
  ];

  it.each(['apt', 'dnf'] as const)('are refused by %s before anything runs', async (kind) => {
    const runner = recordingRunner();
    const manager: PackageManager = kind === 'apt' ? new AptPackages(runner) : new DnfPackages(runner);
    const calls: ((names: string[]) => Promise<unknown>)[] = [
      (names) => manager.installedVersions(names),
      (names) => manager.available(names),
      (names) => manager.install(names),
      (names) => manager.remove(names),
      (names) => manager.remove(names, { purge: true }),
    ];
    for (const call of calls) {
      for (const name of bad) {
        const error = await refusal(call(['nginx', name]));
        expect(error, JSON.stringify(name)).toMatchObject({ code: 'DIWAN_E_VALIDATION', field: 'packages' });
      }
      expect(await refusal(call([]))).toMatchObject({ code: 'DIWAN_E_VALIDATION' });
    }
    expect(runner.calls).toEqual([]);
  });
});
