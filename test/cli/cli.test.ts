import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runDiwan, startDiwan } from '../support/cli.js';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'diwan-cli-'));
}

// Each step is a `diwan` process (tsx compiles on start): slow on a busy 2-core machine.
describe('diwan command line', { timeout: 60_000 }, () => {
  it('prints its version and its commands', async () => {
    expect((await runDiwan(['--version'])).stdout.trim()).toBe(packageVersion);
    const help = await runDiwan(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'config', 'migrate', 'doctor']) expect(help.stdout).toContain(command);
  });

  it('refuses to serve in production without a secret, naming DIWAN_SECRET and creating nothing', async () => {
    const dataDir = join(tempDir(), 'data');
    const result = await runDiwan(['serve'], { DIWAN_ENV: 'production', DIWAN_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DIWAN_SECRET is required in production');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a malformed database URL, an unknown environment and a bad port, all in one message', async () => {
    const dataDir = join(tempDir(), 'data');
    const result = await runDiwan(['serve'], {
      DIWAN_ENV: 'prod',
      DIWAN_DATA_DIR: dataDir,
      DIWAN_PORT: '99999',
      DIWAN_DATABASE_URL: 'mysql//oops',
    });
    expect(result.code).toBe(1);
    for (const variable of ['DIWAN_ENV', 'DIWAN_PORT', 'DIWAN_DATABASE_URL', 'DIWAN_SECRET'])
      expect(result.stderr).toContain(variable);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('config check prints the resolved configuration with secrets redacted', async () => {
    const secret = 'a-very-secret-value-that-is-long-enough';
    const ok = await runDiwan(['config', 'check'], {
      DIWAN_ENV: 'production',
      DIWAN_SECRET: secret,
      DIWAN_DATA_DIR: tempDir(),
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('environment: production (DIWAN_ENV)');
    expect(ok.stdout).toContain(`DIWAN_SECRET=*** (${secret.length} bytes)`);
    expect(ok.stdout).not.toContain(secret);
    const untouched = join(tempDir(), 'x');
    const bad = await runDiwan(['config', 'check'], { DIWAN_ENV: 'production', DIWAN_DATA_DIR: untouched });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DIWAN_SECRET');
    expect(existsSync(untouched)).toBe(false);
  });

  it('migrates the panel database up, down and up again', async () => {
    const env = { DIWAN_ENV: 'development', DIWAN_DATA_DIR: tempDir() };
    const pendingAtFirst = await runDiwan(['migrate', 'status'], env);
    expect(pendingAtFirst.code).toBe(0);
    expect(pendingAtFirst.stdout).toMatch(/^pending {2}\S+/m);
    expect(pendingAtFirst.stdout).not.toMatch(/^applied/m);

    const up = await runDiwan(['migrate', 'up'], env);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^applied \S+/m);
    expect((await runDiwan(['migrate', 'up'], env)).stdout).toContain('Nothing to apply');

    const down = await runDiwan(['migrate', 'down'], env);
    expect(down.stdout).toMatch(/^rolled back \S+/m);
    const afterDown = await runDiwan(['migrate', 'status'], env);
    expect(afterDown.stdout.match(/^pending/gm)).toHaveLength(1);

    expect((await runDiwan(['migrate', 'up'], env)).stdout).toMatch(/^applied \S+/m);
    expect((await runDiwan(['migrate', 'status'], env)).stdout).not.toMatch(/^pending/m);
    expect(statSync(join(env.DIWAN_DATA_DIR, 'secret')).mode & 0o777).toBe(0o600);
  });
});

describe('diwan serve', () => {
  it('serves /readyz 200 on SQLite in development and shuts down cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const { child, url, output } = await startDiwan({
      DIWAN_ENV: 'development',
      DIWAN_DATA_DIR: dataDir,
      DIWAN_PORT: String(port),
    });
    try {
      expect(url).toBe(`http://127.0.0.1:${port}/`);
      const ready = await fetch(new URL('/readyz', url));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: { detail: 'sqlite' } } });
      expect(existsSync(join(dataDir, 'diwan.db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output()).toContain('shutting down');
  });
});

describe('diwan doctor', () => {
  it('reports the host and the managed software it finds', async () => {
    const text = await runDiwan(['doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^init +(systemd|sysv|openrc|unknown)$/m);
    expect(text.stdout).toMatch(/^os +\S/m);

    const json = await runDiwan(['doctor', '--json']);
    const report = JSON.parse(json.stdout) as {
      host: { packageManager: string | null };
      services: { name: string; installed: boolean; running: boolean | null }[];
    };
    expect(report.host.packageManager).toBe('apt');
    // scripts/provision-host.sh installs and starts these before the suite runs.
    for (const name of ['postgresql', 'mariadb', 'redis']) {
      expect(report.services.find((s) => s.name === name)).toMatchObject({ installed: true, running: true });
    }
    expect(report.services.find((s) => s.name === 'nftables')?.running).toBeNull();
  });
});
