import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runDiwan, startDiwan } from '../support/cli.js';

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)!;
}

describe('first run', () => {
  it('creates an administrator on the first start, prints it once, and the printed login works', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'diwan-first-'));
    const port = await freePort();
    const env = { DIWAN_ENV: 'development', DIWAN_DATA_DIR: dataDir, DIWAN_PORT: String(port) };
    const { child, output } = await startDiwan(env);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the credentials follow the URL line
      const text = output();
      const loginUrl = /Log in at {3}(\S+)/.exec(text)?.[1];
      const username = /Username {4}(\S+)/.exec(text)?.[1];
      const password = /Password {4}(\S+)/.exec(text)?.[1];
      expect(loginUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/[a-z0-9]{12}$`));
      expect(statSync(join(dataDir, 'first-login.txt')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dataDir, 'first-login.txt'), 'utf8')).toContain(`password=${password}`);

      const page = await fetch(loginUrl!);
      expect(page.status).toBe(200);
      const entrance = new URL(loginUrl!).pathname.slice(1);
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password, entrance }),
      });
      expect(login.status).toBe(200);
      expect(await login.json()).toMatchObject({ user: { username, mustChangePassword: true } });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    // The second start creates no one and prints no password.
    const again = await startDiwan(env);
    await new Promise((resolve) => setTimeout(resolve, 300));
    again.child.kill('SIGTERM');
    await once(again.child, 'exit');
    expect(again.output()).not.toContain('Password');
    expect(again.output()).toContain('Log in at http://');
  });
});

describe('console commands', () => {
  it('add, list, passwd, token, entrance, unlock and disable-2fa work on the panel database', async () => {
    const env = { DIWAN_ENV: 'development', DIWAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'diwan-cli-')) };
    expect((await runDiwan(['migrate', 'up'], env)).code).toBe(0);

    const added = await runDiwan(['user', 'add', 'alice'], env);
    expect(added.code).toBe(0);
    expect(lastLine(added.stdout)).toMatch(/^[a-z0-9]{20}$/);
    expect((await runDiwan(['user', 'list'], env)).stdout).toMatch(/^alice\t2fa=off\tactive\t/m);

    for (const hostile of ['a;id', '$(id)', '-rf', 'Alice Smith', 'x']) {
      const refused = await runDiwan(['user', 'add', '--', hostile], env);
      expect(refused.code, hostile).toBe(1);
      expect(refused.stderr).toContain('username');
    }
    expect((await runDiwan(['user', 'list'], env)).stdout.trim().split('\n')).toHaveLength(1);

    const passwd = await runDiwan(['passwd', 'alice'], env);
    expect(passwd.code).toBe(0);
    expect(lastLine(passwd.stdout)).toMatch(/^[a-z0-9]{20}$/);
    expect((await runDiwan(['passwd', 'nobody'], env)).code).toBe(1);

    const token = await runDiwan(['token', 'create', '--name', 'backup script', '--scope', 'admin'], env);
    expect(token.code).toBe(0);
    expect(lastLine(token.stdout)).toMatch(/^dwt_[A-Za-z0-9_-]{43}$/);
    expect((await runDiwan(['token', 'create', '--name', 'x;rm -rf /'], env)).code).toBe(1);

    expect((await runDiwan(['entrance', 'set', 'my-own-entrance'], env)).code).toBe(0);
    expect((await runDiwan(['entrance', 'show'], env)).stdout.trim()).toBe('my-own-entrance');
    expect((await runDiwan(['entrance', 'set', '../../etc'], env)).code).toBe(1);
    const info = await runDiwan(['info'], env);
    expect(info.stdout).toContain('/my-own-entrance');
    expect(info.stdout).not.toMatch(/password/i);

    expect((await runDiwan(['user', 'unlock', 'alice', '--ip', '203.0.113.9'], env)).stdout).toContain(
      'Unlocked alice',
    );
    expect((await runDiwan(['user', 'disable-2fa', 'alice'], env)).code).toBe(0);

    // The token printed on the last line works against a running panel.
    const port = await freePort();
    const { child } = await startDiwan({ ...env, DIWAN_PORT: String(port) });
    try {
      const me = await fetch(`http://127.0.0.1:${port}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${lastLine(token.stdout)}` },
      });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ via: 'token', scope: 'admin', user: { username: 'alice' } });
      const audit = await fetch(`http://127.0.0.1:${port}/api/v1/audit?actor=console`, {
        headers: { authorization: `Bearer ${lastLine(token.stdout)}` },
      });
      const actions = ((await audit.json()) as { entries: { action: string }[] }).entries.map(
        (e) => e.action,
      );
      expect(actions).toEqual(
        expect.arrayContaining([
          'user.create',
          'auth.password_reset',
          'token.create',
          'settings.entrance',
          'auth.unlock',
        ]),
      );
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 90_000);
});
