import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listProcesses, probeServices, serviceCatalog } from './services.js';
import type { ServiceProbe } from './services.js';

function byName(probes: ServiceProbe[], name: string): ServiceProbe {
  const probe = probes.find((candidate) => candidate.name === name);
  if (probe === undefined) throw new Error(`no probe named ${name}`);
  return probe;
}

describe('probeServices on this machine', () => {
  // scripts/provision-host.sh installs and starts these before the tests run.
  const probes = probeServices();

  it.each(['mariadb', 'postgresql', 'redis'])('finds %s installed and running', (name) => {
    expect(byName(probes, name)).toMatchObject({ installed: true, running: true });
  });

  it('reports the PostgreSQL version installed', () => {
    expect(byName(probes, 'postgresql').detail).toMatch(/^installed: \d+/);
  });

  it('names the MariaDB flavour', () => {
    expect(byName(probes, 'mariadb').detail).toBe('MariaDB');
  });

  it('probes the whole catalog, in order', () => {
    expect(probes.map((probe) => probe.name)).toEqual([
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
  });

  it('says installed false for a binary that does not exist', () => {
    const [probe] = probeServices('/', [
      {
        name: 'ghost',
        label: 'Ghost',
        binaries: ['/usr/sbin/diwan-no-such-daemon', { dir: '/no/such/dir', entry: /^x$/ }],
        processes: ['diwan-no-such-daemon'],
        daemon: true,
      },
    ]);
    expect(probe).toEqual({ name: 'ghost', label: 'Ghost', installed: false, running: false, detail: null });
  });

  it('finds this test runner among the processes', () => {
    const self = listProcesses().find((process) => process.pid === globalThis.process.pid);
    expect(self?.argv[0]).toMatch(/node/);
  });
});

describe('probeServices on a fixture tree', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'diwan-services-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function write(path: string, content: string, mode = 0o644): void {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    chmodSync(full, mode);
  }

  function binary(path: string): void {
    write(path, '#!/bin/sh\n', 0o755);
  }

  function proc(pid: number, comm: string, argv: string[]): void {
    write(`proc/${pid}/comm`, `${comm}\n`);
    write(`proc/${pid}/cmdline`, argv.map((arg) => `${arg}\0`).join(''));
  }

  it('reports every service as absent on an empty tree', () => {
    for (const probe of probeServices(root)) {
      expect(probe.installed).toBe(false);
      expect(probe.running).toBe(probe.name === 'nftables' ? null : false);
    }
  });

  it('tells installed, running and versions apart', () => {
    binary('usr/sbin/nginx');
    binary('usr/sbin/mariadbd');
    binary('usr/sbin/mysqld');
    binary('usr/lib/postgresql/15/bin/postgres');
    binary('usr/lib/postgresql/16/bin/postgres');
    binary('usr/bin/redis-server');
    binary('usr/sbin/php-fpm8.2');
    binary('usr/sbin/php-fpm8.3');
    write('usr/sbin/php-fpm.conf.bak', 'not a binary');
    binary('usr/sbin/cron');
    binary('usr/sbin/nft');
    binary('usr/sbin/sshd');

    proc(1, 'init', ['/sbin/init']);
    proc(2, 'kthreadd', []); // a kernel thread: empty cmdline
    proc(101, 'nginx', ['nginx: master process /usr/sbin/nginx -g daemon on; master_process on;']);
    proc(102, 'nginx', ['nginx: worker process']);
    proc(201, 'mariadbd', ['/usr/sbin/mariadbd']);
    proc(301, 'postgres', ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main']);
    proc(302, 'postgres', ['postgres: 15/main: checkpointer ']);
    // redis and php-fpm retitle themselves: one argv entry, padded with NULs.
    proc(401, 'redis-server', ['redis-server 127.0.0.1:6379', '', '', '']);
    proc(501, 'php-fpm8.2', ['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)', '', '']);
    proc(502, 'php-fpm8.2', ['php-fpm: pool www', '', '']);
    proc(601, 'fail2ban-server', ['/usr/bin/python3', '/usr/bin/fail2ban-server', '-xf', 'start']);
    proc(701, 'sshd', ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups']);
    write('proc/self/comm', 'ignored\n'); // not a pid
    write('proc/801/comm', 'vanished\n'); // exited between readdir and read: no cmdline

    const probes = probeServices(root);
    expect(probes).toEqual([
      { name: 'nginx', label: 'nginx', installed: true, running: true, detail: null },
      { name: 'mariadb', label: 'MariaDB / MySQL', installed: true, running: true, detail: 'MariaDB' },
      {
        name: 'postgresql',
        label: 'PostgreSQL',
        installed: true,
        running: true,
        detail: 'installed: 15, 16',
      },
      { name: 'redis', label: 'Redis', installed: true, running: true, detail: null },
      {
        name: 'php-fpm',
        label: 'PHP-FPM',
        installed: true,
        running: true,
        detail: 'installed: 8.2, 8.3; running: 8.2',
      },
      { name: 'cron', label: 'cron', installed: true, running: false, detail: null },
      {
        name: 'nftables',
        label: 'nftables',
        installed: true,
        running: null,
        detail: 'not a daemon: nft loads the rules into the kernel',
      },
      // Running without an installed binary: a process can outlive its package.
      { name: 'fail2ban', label: 'Fail2ban', installed: false, running: true, detail: null },
      { name: 'openssh-server', label: 'OpenSSH server', installed: true, running: true, detail: null },
    ]);
  });

  it('names MySQL when only mysqld is there', () => {
    binary('usr/sbin/mysqld');
    proc(10, 'mysqld', ['/usr/sbin/mysqld']);
    expect(byName(probeServices(root), 'mariadb')).toMatchObject({
      installed: true,
      running: true,
      detail: 'MySQL',
    });
  });

  it('finds RHEL layouts: crond, php-fpm without a version, PGDG PostgreSQL', () => {
    binary('usr/sbin/crond');
    binary('usr/sbin/php-fpm');
    binary('usr/pgsql-16/bin/postgres');
    proc(10, 'crond', ['/usr/sbin/crond', '-n']);
    proc(11, 'php-fpm', ['php-fpm: master process (/etc/php-fpm.conf)']);
    const probes = probeServices(root);
    expect(byName(probes, 'cron')).toMatchObject({ installed: true, running: true });
    expect(byName(probes, 'php-fpm')).toMatchObject({ installed: true, running: true, detail: null });
    expect(byName(probes, 'postgresql')).toMatchObject({ installed: true, detail: 'installed: 16' });
  });

  it('does not take a process for a service because of its arguments', () => {
    proc(10, 'less', ['less', '/var/log/nginx/error.log']);
    proc(11, 'vim', ['vim', 'redis-server']);
    const probes = probeServices(root);
    expect(byName(probes, 'nginx').running).toBe(false);
    expect(byName(probes, 'redis').running).toBe(false);
  });

  it('keeps a catalog entry per service name', () => {
    const names = serviceCatalog.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
