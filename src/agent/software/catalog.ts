import type { SoftwareName } from '../../contract/software.js';

/** How one catalog entry maps onto this host's packages, init units and log files. */
export interface CatalogEntry {
  name: SoftwareName;
  label: string;
  /** Runs as a service; false for nftables, which loads rules into the kernel and exits. */
  daemon: boolean;
  /** The entry of src/server/host/services.ts that finds its processes in /proc. */
  probe: string;
  /** Package and unit names for an unversioned entry, per package manager. */
  apt?: { package: string; unit: string };
  dnf?: { package: string; unit: string };
  /** For software the distro offers in several versions side by side (PHP-FPM). */
  versioned?: {
    /** Versions to look for; the host's package lists say which exist. */
    candidates: readonly string[];
    apt: (version: string) => { package: string; unit: string };
  };
  /** Where its log lives when there is no journal (SysV init), newest last. */
  logFiles: (version: string | null) => string[];
}

const phpVersions = ['7.4', '8.0', '8.1', '8.2', '8.3', '8.4', '8.5'] as const;

/**
 * The Software center's catalog. Debian and Ubuntu names; dnf names where they differ (RHEL family:
 * untested here, the interface is the same).
 */
export const catalog: readonly CatalogEntry[] = [
  {
    name: 'nginx',
    label: 'nginx',
    daemon: true,
    probe: 'nginx',
    apt: { package: 'nginx', unit: 'nginx' },
    dnf: { package: 'nginx', unit: 'nginx' },
    logFiles: () => ['/var/log/nginx/error.log'],
  },
  {
    name: 'mariadb',
    label: 'MariaDB',
    daemon: true,
    probe: 'mariadb',
    apt: { package: 'mariadb-server', unit: 'mariadb' },
    dnf: { package: 'mariadb-server', unit: 'mariadb' },
    logFiles: () => ['/var/log/mysql/error.log', '/var/log/mariadb/mariadb.log'],
  },
  {
    name: 'postgresql',
    label: 'PostgreSQL',
    daemon: true,
    probe: 'postgresql',
    apt: { package: 'postgresql', unit: 'postgresql' },
    dnf: { package: 'postgresql-server', unit: 'postgresql' },
    logFiles: () => [
      '/var/log/postgresql/postgresql-15-main.log',
      '/var/log/postgresql/postgresql-16-main.log',
    ],
  },
  {
    name: 'redis',
    label: 'Redis',
    daemon: true,
    probe: 'redis',
    apt: { package: 'redis-server', unit: 'redis-server' },
    dnf: { package: 'redis', unit: 'redis' },
    logFiles: () => ['/var/log/redis/redis-server.log'],
  },
  {
    name: 'php-fpm',
    label: 'PHP-FPM',
    daemon: true,
    probe: 'php-fpm',
    versioned: {
      candidates: phpVersions,
      apt: (version) => ({ package: `php${version}-fpm`, unit: `php${version}-fpm` }),
    },
    logFiles: (version) => (version ? [`/var/log/php${version}-fpm.log`] : []),
  },
  {
    name: 'cron',
    label: 'cron',
    daemon: true,
    probe: 'cron',
    apt: { package: 'cron', unit: 'cron' },
    dnf: { package: 'cronie', unit: 'crond' },
    logFiles: () => ['/var/log/cron.log', '/var/log/syslog'],
  },
  {
    name: 'nftables',
    label: 'nftables',
    daemon: false,
    probe: 'nftables',
    apt: { package: 'nftables', unit: 'nftables' },
    dnf: { package: 'nftables', unit: 'nftables' },
    logFiles: () => [],
  },
  {
    name: 'fail2ban',
    label: 'Fail2ban',
    daemon: true,
    probe: 'fail2ban',
    apt: { package: 'fail2ban', unit: 'fail2ban' },
    dnf: { package: 'fail2ban', unit: 'fail2ban' },
    logFiles: () => ['/var/log/fail2ban.log'],
  },
  {
    name: 'openssh-server',
    label: 'OpenSSH server',
    daemon: true,
    probe: 'openssh-server',
    apt: { package: 'openssh-server', unit: 'ssh' },
    dnf: { package: 'openssh-server', unit: 'sshd' },
    logFiles: () => ['/var/log/auth.log', '/var/log/secure'],
  },
];

export function catalogEntry(name: SoftwareName): CatalogEntry {
  const entry = catalog.find((candidate) => candidate.name === name);
  if (!entry) throw new Error(`not in the catalog: ${name}`);
  return entry;
}
