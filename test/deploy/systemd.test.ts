import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const unitsDir = new URL('../../deploy/systemd/', import.meta.url);
const diwanBin = new URL('../../bin/diwan.js', import.meta.url).pathname;

/** `systemd-analyze verify` exits 0 even for settings it ignores; what it prints is the verdict. */
async function verify(files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'diwan-units-'));
  const paths = Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    // The units name the installed path; point them at this checkout so the executable exists.
    writeFileSync(
      path,
      text.replaceAll('/opt/diwan/bin/diwan.js', diwanBin).replaceAll('/opt/diwan/%i/bin/diwan.js', diwanBin),
    );
    return path;
  });
  try {
    const { stderr } = await run('systemd-analyze', ['verify', '--man=no', ...paths]);
    return stderr.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('systemd-analyze is missing: run bash scripts/provision-host.sh (package systemd)');
    }
    return String((error as { stderr?: string }).stderr ?? error).trim();
  }
}

const web = readFileSync(new URL('diwan.service', unitsDir), 'utf8');
const agent = readFileSync(new URL('diwan-agent.service', unitsDir), 'utf8');
const colored = readFileSync(new URL('diwan@.service', unitsDir), 'utf8');

describe('systemd units', () => {
  it('pass systemd-analyze verify, which does catch a broken unit', async () => {
    expect(await verify({ 'diwan.service': web, 'diwan-agent.service': agent })).toBe('');
    const broken = web.replace('ProtectSystem=strict', 'ProtectSystem=stricter');
    expect(await verify({ 'diwan.service': broken })).toContain('stricter');
  });

  it('run the web tier unprivileged and sandboxed, writing only its data dir', () => {
    for (const line of [
      'User=diwan',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/diwan',
      'PrivateTmp=true',
      'CapabilityBoundingSet=',
      'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    ]) {
      expect(web.split('\n')).toContain(line);
    }
    expect(web).not.toMatch(/^User=root/m);
  });

  it('back up the panel daily, unprivileged, keeping the newest 14', async () => {
    const service = readFileSync(new URL('diwan-backup.service', unitsDir), 'utf8');
    const timer = readFileSync(new URL('diwan-backup.timer', unitsDir), 'utf8');
    expect(await verify({ 'diwan-backup.service': service, 'diwan-backup.timer': timer })).toBe('');
    expect(service.split('\n')).toEqual(
      expect.arrayContaining([
        'User=diwan',
        'Type=oneshot',
        'ProtectSystem=strict',
        'ReadWritePaths=/var/lib/diwan',
      ]),
    );
    expect(service).toMatch(
      /^ExecStart=\/usr\/bin\/node \/opt\/diwan\/bin\/diwan\.js backup create --keep 14$/m,
    );
    expect(timer.split('\n')).toEqual(expect.arrayContaining(['OnCalendar=daily', 'Persistent=true']));
  });

  it('run the agent as root with its socket directory, and no shell in between', () => {
    expect(agent.split('\n')).toEqual(expect.arrayContaining(['User=root', 'RuntimeDirectory=diwan']));
    expect(agent).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/diwan\/bin\/diwan\.js agent --group diwan$/m);
    expect(agent).not.toMatch(/\/bin\/sh|bash -c/);
  });

  it('run blue and green (diwan@.service) with the same hardening, each from its own release and port', async () => {
    // An instance of the template, as systemd loads diwan@blue.service.
    expect(await verify({ 'diwan@blue.service': colored, 'diwan-agent.service': agent })).toBe('');
    const hardening = web
      .split('\n')
      .filter((line) =>
        /^(User|Group|Protect|Private|NoNewPrivileges|Capability|Ambient|Restrict|ReadWritePaths|SystemCall|LockPersonality|UMask|StateDirectory)/.test(
          line,
        ),
      );
    expect(hardening.length).toBeGreaterThan(15);
    for (const line of hardening) expect(colored.split('\n'), line).toContain(line);
    expect(colored).toMatch(
      /^ExecStart=\/usr\/bin\/node --max-semi-space-size=1 \/opt\/diwan\/%i\/bin\/diwan\.js serve$/m,
    );
    expect(colored).toMatch(/^ExecStartPre=\/usr\/bin\/node \/opt\/diwan\/%i\/bin\/diwan\.js migrate up$/m);
    expect(colored.split('\n')).toEqual(
      expect.arrayContaining(['EnvironmentFile=/etc/diwan/%i.env', 'Conflicts=diwan.service']),
    );
  });
});
