import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { isExecutable, readText, underRoot } from './detect.js';

export interface ServiceProbe {
  name: string;
  label: string;
  installed: boolean;
  /** Whether a matching process exists; null for software that is not a daemon (see `detail`). */
  running: boolean | null;
  detail: string | null;
}

/** Where a service's main executable may live, as a path under the probed root. */
export type BinaryCandidate =
  | string
  /** Every `<dir>/<entry>/<file>` whose entry matches, e.g. /usr/lib/postgresql/15/bin/postgres. */
  | { dir: string; entry: RegExp; file: string }
  /** Every `<dir>/<entry>` whose name matches, e.g. /usr/sbin/php-fpm8.2. */
  | { dir: string; entry: RegExp };

export interface ServiceSpec {
  name: string;
  label: string;
  binaries: BinaryCandidate[];
  /** Process names as the kernel records them (comm, at most 15 characters) or as argv[0] names them. */
  processes: string[];
  /** Matches argv[0] of processes that retitle themselves, such as `php-fpm: master process (…)`. */
  processTitle?: RegExp;
  /** False for software without a daemon: `running` is then null. */
  daemon: boolean;
  describe?: (found: BinaryMatch[], running: ProcessInfo[]) => string | null;
}

export interface BinaryMatch {
  /** Absolute path on the probed host (without the root prefix). */
  path: string;
  /** What the `entry` pattern's first group captured: a version, for versioned installs. */
  version: string | null;
}

export interface ProcessInfo {
  pid: number;
  comm: string;
  argv: string[];
}

const phpFpmName = /^php-fpm(\d+\.\d+)?$/;

export const serviceCatalog: readonly ServiceSpec[] = [
  { name: 'nginx', label: 'nginx', binaries: ['/usr/sbin/nginx'], processes: ['nginx'], daemon: true },
  {
    name: 'mariadb',
    label: 'MariaDB / MySQL',
    binaries: ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/libexec/mariadbd', '/usr/libexec/mysqld'],
    processes: ['mariadbd', 'mysqld'],
    daemon: true,
    describe: describeMariadb,
  },
  {
    name: 'postgresql',
    label: 'PostgreSQL',
    binaries: [
      { dir: '/usr/lib/postgresql', entry: /^(\d+(?:\.\d+)?)$/, file: 'bin/postgres' }, // Debian, Ubuntu
      { dir: '/usr', entry: /^pgsql-(\d+)$/, file: 'bin/postgres' }, // PGDG packages on RHEL
      '/usr/bin/postgres', // RHEL's own package
    ],
    processes: ['postgres', 'postmaster'],
    daemon: true,
    describe: (found) => describeVersions(found, []),
  },
  {
    name: 'redis',
    label: 'Redis',
    binaries: ['/usr/bin/redis-server', '/usr/sbin/redis-server'],
    processes: ['redis-server'],
    daemon: true,
  },
  {
    name: 'php-fpm',
    label: 'PHP-FPM',
    // Debian installs one binary per version (php-fpm8.2); RHEL installs a single /usr/sbin/php-fpm.
    binaries: [{ dir: '/usr/sbin', entry: phpFpmName }],
    processes: [],
    processTitle: /^php-fpm(\d+\.\d+)?(:|$)/,
    daemon: true,
    describe: (found, running) => describeVersions(found, running.map(phpFpmVersion)),
  },
  {
    name: 'cron',
    label: 'cron',
    binaries: ['/usr/sbin/cron', '/usr/sbin/crond'],
    processes: ['cron', 'crond'],
    daemon: true,
  },
  {
    name: 'nftables',
    label: 'nftables',
    binaries: ['/usr/sbin/nft'],
    processes: [],
    daemon: false,
    describe: () => 'not a daemon: nft loads the rules into the kernel',
  },
  {
    name: 'fail2ban',
    label: 'Fail2ban',
    binaries: ['/usr/bin/fail2ban-server'],
    processes: ['fail2ban-server'],
    daemon: true,
  },
  {
    name: 'openssh-server',
    label: 'OpenSSH server',
    binaries: ['/usr/sbin/sshd'],
    processes: ['sshd'],
    daemon: true,
  },
];

/**
 * Reports which catalog services are installed (an executable exists) and running (a process with the
 * right name exists), by reading files only: /proc is a directory like any other, so tests can point
 * `root` at a fixture tree.
 */
export function probeServices(root = '/', catalog: readonly ServiceSpec[] = serviceCatalog): ServiceProbe[] {
  const processes = listProcesses(root);
  return catalog.map((spec) => {
    const found = spec.binaries.flatMap((candidate) => findBinaries(root, candidate));
    const matching = spec.daemon ? processes.filter((process) => isProcessOf(spec, process)) : [];
    return {
      name: spec.name,
      label: spec.label,
      installed: found.length > 0,
      running: spec.daemon ? matching.length > 0 : null,
      detail: spec.describe?.(found, matching) ?? null,
    };
  });
}

/** Every process under `<root>/proc`; kernel threads (empty cmdline) and processes that exit mid-scan are skipped. */
export function listProcesses(root = '/'): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync(underRoot(root, 'proc'));
  } catch {
    return [];
  }
  const processes: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = readText(root, `proc/${entry}/comm`);
    const cmdline = readText(root, `proc/${entry}/cmdline`);
    if (comm === null || cmdline === null || cmdline === '') continue;
    // Processes that rewrite their title (redis, postgres, php-fpm) may pad argv with NULs.
    const argv = cmdline.split('\0').filter((arg) => arg !== '');
    processes.push({ pid: Number(entry), comm: comm.trim(), argv });
  }
  return processes;
}

function isProcessOf(spec: ServiceSpec, process: ProcessInfo): boolean {
  const argv0 = process.argv[0] ?? '';
  if (spec.processTitle?.test(process.comm) || spec.processTitle?.test(argv0)) return true;
  return spec.processes.some(
    // comm is cut to 15 characters; argv[0] catches a process started through a link with another name.
    (name) => process.comm === name.slice(0, 15) || basename(argv0.split(' ')[0] ?? '') === name,
  );
}

function findBinaries(root: string, candidate: BinaryCandidate): BinaryMatch[] {
  if (typeof candidate === 'string') {
    return isExecutable(underRoot(root, candidate)) ? [{ path: candidate, version: null }] : [];
  }
  let entries: string[];
  try {
    entries = readdirSync(underRoot(root, candidate.dir)).sort(compareVersions);
  } catch {
    return [];
  }
  const matches: BinaryMatch[] = [];
  for (const entry of entries) {
    const match = candidate.entry.exec(entry);
    if (match === null) continue;
    const path =
      'file' in candidate ? `${candidate.dir}/${entry}/${candidate.file}` : `${candidate.dir}/${entry}`;
    if (isExecutable(underRoot(root, path))) matches.push({ path, version: match[1] ?? null });
  }
  return matches;
}

function describeMariadb(found: BinaryMatch[], running: ProcessInfo[]): string | null {
  // Debian links mysqld to mariadbd, so mariadbd anywhere means MariaDB.
  const names = [...found.map((match) => basename(match.path)), ...running.map((process) => process.comm)];
  if (names.includes('mariadbd')) return 'MariaDB';
  if (names.includes('mysqld')) return 'MySQL';
  return null;
}

function describeVersions(found: BinaryMatch[], runningVersions: (string | null)[]): string | null {
  const installed = unique(found.map((match) => match.version));
  const running = unique(runningVersions);
  const parts: string[] = [];
  if (installed.length > 0) parts.push(`installed: ${installed.join(', ')}`);
  if (running.length > 0) parts.push(`running: ${running.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : null;
}

function phpFpmVersion(process: ProcessInfo): string | null {
  return phpFpmName.exec(process.comm)?.[1] ?? null;
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))].sort(compareVersions);
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
