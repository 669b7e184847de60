import { readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { hostname as osHostname, machine as osMachine, release as osRelease } from 'node:os';
import { join } from 'node:path';

export type InitSystem = 'systemd' | 'sysv' | 'openrc' | 'unknown';
export type PackageManager = 'apt' | 'dnf' | 'yum';

export interface OsRelease {
  /** `ID` from os-release, e.g. `debian`, `ubuntu`, `rocky`. */
  id: string;
  /** `VERSION_ID`, e.g. `12`, `24.04`, `9.4`; null on rolling distributions that have none. */
  versionId: string | null;
  prettyName: string;
}

export interface HostInfo {
  hostname: string;
  kernel: string;
  arch: string;
  os: OsRelease;
  initSystem: InitSystem;
  packageManager: PackageManager | null;
  /** `docker`, `podman`, `lxc`, … when Diwan runs inside a container; null on a VM or bare metal. */
  container: string | null;
}

/**
 * Describes the host by reading files only: the web tier may not start processes, and reading lets
 * tests point `root` at a fixture tree instead of the machine they run on.
 */
export function detectHost(root = '/'): HostInfo {
  return {
    hostname: readKernelValue(root, 'proc/sys/kernel/hostname', 'etc/hostname', osHostname),
    kernel: readKernelValue(root, 'proc/sys/kernel/osrelease', null, osRelease),
    arch: readKernelValue(root, 'proc/sys/kernel/arch', null, osMachine),
    os: parseOsRelease(readText(root, 'etc/os-release') ?? readText(root, 'usr/lib/os-release') ?? ''),
    initSystem: detectInitSystem(root),
    packageManager: detectPackageManager(root),
    container: detectContainer(root),
  };
}

/** Resolves a host path inside `root`, so `/etc/os-release` becomes `<fixture>/etc/os-release`. */
export function underRoot(root: string, path: string): string {
  return join(root, path);
}

/** True for a regular file (symlinks followed) with an execute bit set. */
export function isExecutable(path: string): boolean {
  const stat = statOrNull(path);
  return stat !== null && stat.isFile() && (stat.mode & 0o111) !== 0;
}

export function isDirectory(path: string): boolean {
  return statOrNull(path)?.isDirectory() ?? false;
}

/** Reads a file under `root` as text, or null when it is missing or unreadable. */
export function readText(root: string, path: string): string | null {
  try {
    return readFileSync(underRoot(root, path), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Parses os-release(5): KEY=value lines with shell-style quoting. Missing fields take the defaults the
 * format specifies (`ID=linux`, `PRETTY_NAME=Linux`).
 */
export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) fields.set(match[1], unquote(match[2].trim()));
  }
  const nonEmpty = (key: string): string | null => {
    const value = fields.get(key);
    return value === undefined || value === '' ? null : value;
  };
  return {
    id: nonEmpty('ID') ?? 'linux',
    versionId: nonEmpty('VERSION_ID'),
    prettyName: nonEmpty('PRETTY_NAME') ?? nonEmpty('NAME') ?? 'Linux',
  };
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
  }
  return value;
}

function detectInitSystem(root: string): InitSystem {
  // /run/systemd/system is what sd_booted(3) checks; comm covers a tree where /run is not mounted yet.
  if (isDirectory(underRoot(root, 'run/systemd/system'))) return 'systemd';
  if (readText(root, 'proc/1/comm')?.trim() === 'systemd') return 'systemd';
  if (isExecutable(underRoot(root, 'sbin/openrc'))) return 'openrc';
  if (isDirectory(underRoot(root, 'etc/init.d'))) return 'sysv';
  return 'unknown';
}

// dnf before yum: on RHEL 8 and later yum is a compatibility link to dnf.
const packageManagers: ReadonlyArray<[PackageManager, string[]]> = [
  ['apt', ['usr/bin/apt-get', 'bin/apt-get']],
  ['dnf', ['usr/bin/dnf', 'bin/dnf']],
  ['yum', ['usr/bin/yum', 'bin/yum']],
];

function detectPackageManager(root: string): PackageManager | null {
  for (const [name, paths] of packageManagers) {
    if (paths.some((path) => isExecutable(underRoot(root, path)))) return name;
  }
  return null;
}

function detectContainer(root: string): string | null {
  if (statOrNull(underRoot(root, '.dockerenv')) !== null) return 'docker';
  if (statOrNull(underRoot(root, 'run/.containerenv')) !== null) return 'podman';
  // systemd-nspawn, LXC and others set `container=` for PID 1; the file is often unreadable, even to root.
  const environ = readText(root, 'proc/1/environ');
  if (environ === null) return null;
  for (const entry of environ.split('\0')) {
    if (entry.startsWith('container=') && entry.length > 'container='.length) {
      return entry.slice('container='.length);
    }
  }
  return null;
}

/**
 * A value the kernel publishes under /proc. For the real root, node:os answers (from uname(2)) when
 * the file is missing, as /proc/sys/kernel/arch is on older kernels; a fixture tree says 'unknown'.
 */
function readKernelValue(
  root: string,
  path: string,
  fallbackPath: string | null,
  fromOs: () => string,
): string {
  const value =
    readText(root, path)?.trim() || (fallbackPath === null ? '' : readText(root, fallbackPath)?.trim());
  if (value) return value;
  return isRealRoot(root) ? fromOs() : 'unknown';
}

function isRealRoot(root: string): boolean {
  return join(root, '/') === '/';
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
