import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectHost, parseOsRelease } from './detect.js';

const debian12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

const ubuntu2404 = `PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
`;

const rocky9 = `NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"
ANSI_COLOR="0;32"
`;

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'diwan-detect-'));
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

function dir(path: string): void {
  mkdirSync(join(root, path), { recursive: true });
}

/** A minimal Debian-like tree: kernel values, hostname, apt and an /etc/init.d. */
function debianTree(osRelease = debian12): void {
  write('proc/sys/kernel/hostname', 'web1\n');
  write('proc/sys/kernel/osrelease', '6.1.0-28-amd64\n');
  write('proc/sys/kernel/arch', 'x86_64\n');
  write('etc/os-release', osRelease);
  write('usr/bin/apt-get', '#!/bin/sh\n', 0o755);
  dir('etc/init.d');
}

describe('detectHost', () => {
  it('describes a Debian 12 host booted with systemd', () => {
    debianTree();
    write('proc/1/comm', 'systemd\n');
    expect(detectHost(root)).toEqual({
      hostname: 'web1',
      kernel: '6.1.0-28-amd64',
      arch: 'x86_64',
      os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
      initSystem: 'systemd',
      packageManager: 'apt',
      container: null,
    });
  });

  it('reads Ubuntu 24.04 and sees systemd from /run/systemd/system', () => {
    debianTree(ubuntu2404);
    dir('run/systemd/system');
    const host = detectHost(root);
    expect(host.os).toEqual({ id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.1 LTS' });
    expect(host.initSystem).toBe('systemd');
  });

  it('reads Rocky 9 from /usr/lib/os-release and picks dnf over its yum link', () => {
    write('usr/lib/os-release', rocky9);
    write('usr/bin/dnf', '#!/bin/sh\n', 0o755);
    write('usr/bin/yum', '#!/bin/sh\n', 0o755);
    write('proc/1/comm', 'systemd\n');
    const host = detectHost(root);
    expect(host.os).toEqual({ id: 'rocky', versionId: '9.4', prettyName: 'Rocky Linux 9.4 (Blue Onyx)' });
    expect(host.packageManager).toBe('dnf');
    expect(host.initSystem).toBe('systemd');
  });

  it('finds yum alone on an older RHEL', () => {
    write('usr/bin/yum', '#!/bin/sh\n', 0o755);
    expect(detectHost(root).packageManager).toBe('yum');
  });

  it('says sysv when PID 1 is init and /etc/init.d exists', () => {
    debianTree();
    write('proc/1/comm', 'init\n');
    expect(detectHost(root).initSystem).toBe('sysv');
  });

  it('says openrc when /sbin/openrc exists', () => {
    write('proc/1/comm', 'init\n');
    write('sbin/openrc', '#!/bin/sh\n', 0o755);
    dir('etc/init.d');
    expect(detectHost(root).initSystem).toBe('openrc');
  });

  it('knows nothing about an empty tree, without throwing', () => {
    expect(detectHost(root)).toEqual({
      hostname: 'unknown',
      kernel: 'unknown',
      arch: 'unknown',
      os: { id: 'linux', versionId: null, prettyName: 'Linux' },
      initSystem: 'unknown',
      packageManager: null,
      container: null,
    });
  });

  it('falls back to /etc/hostname', () => {
    write('etc/hostname', 'panel.example.com\n');
    expect(detectHost(root).hostname).toBe('panel.example.com');
  });

  it('ignores a package manager that is not executable', () => {
    write('usr/bin/apt-get', 'not a program', 0o644);
    expect(detectHost(root).packageManager).toBeNull();
  });

  describe('container', () => {
    it('sees Docker from /.dockerenv', () => {
      write('.dockerenv', '');
      expect(detectHost(root).container).toBe('docker');
    });

    it('sees Podman from /run/.containerenv', () => {
      write('run/.containerenv', 'engine="podman-4.9.3"\n');
      expect(detectHost(root).container).toBe('podman');
    });

    it('reads container= from the environment of PID 1', () => {
      write('proc/1/environ', 'PATH=/usr/bin\0container=lxc\0TERM=linux\0');
      expect(detectHost(root).container).toBe('lxc');
    });

    it('is null when PID 1 has no container= variable', () => {
      write('proc/1/environ', 'PATH=/usr/bin\0TERM=linux\0');
      expect(detectHost(root).container).toBeNull();
    });

    it('is null when /proc/1/environ cannot be read', () => {
      // A directory fails to read for root too, as the real file does under some hypervisors.
      dir('proc/1/environ');
      expect(detectHost(root).container).toBeNull();
    });
  });
});

describe('parseOsRelease', () => {
  it('unquotes single and double quotes and shell escapes', () => {
    const text = `ID='arch'\nPRETTY_NAME="Say \\"hi\\" for \\$5"\n# a comment\nVERSION_ID=\n`;
    expect(parseOsRelease(text)).toEqual({ id: 'arch', versionId: null, prettyName: 'Say "hi" for $5' });
  });

  it('uses NAME when PRETTY_NAME is missing', () => {
    expect(parseOsRelease('NAME=Alpine\nID=alpine\nVERSION_ID=3.20.0\n')).toEqual({
      id: 'alpine',
      versionId: '3.20.0',
      prettyName: 'Alpine',
    });
  });
});

describe('detectHost on this machine', () => {
  it('reads the real host without throwing', () => {
    const host = detectHost();
    expect(host.hostname).not.toBe('');
    expect(host.kernel).toMatch(/^\d+\.\d+/);
    expect(host.arch).not.toBe('unknown');
    expect(host.os.id).not.toBe('');
    expect(['systemd', 'sysv', 'openrc', 'unknown']).toContain(host.initSystem);
  });
});
