import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiwan } from '../support/cli.js';
import { HOST_LOCK_TIMEOUT_MS, lockHostService } from '../support/host-lock.js';
import { visitNginx } from '../support/web-servers.js';

/**
 * `diwan site` on this host's own nginx, in Debian's layout (/etc/nginx/conf.d/diwan.conf,
 * /etc/nginx/diwan, port 80, started through `service` when it does not run): the path a console
 * administrator takes in production. Only the web root is a temporary folder. Whatever the test
 * found (nginx stopped, no Diwan files in /etc/nginx) it leaves as it found it.
 */
const run = Math.random().toString(36).slice(2, 8);
const dataDir = mkdtempSync(join(tmpdir(), 'diwan-sites-cli-'));
const webRoot = mkdtempSync(join(tmpdir(), 'diwan-sites-www-'));
const env = { DIWAN_ENV: 'development', DIWAN_DATA_DIR: dataDir, DIWAN_WEB_ROOT: webRoot };
const site = (args: string[]) => runDiwan(['site', ...args], env);

function nginxRuns(): boolean {
  try {
    process.kill(Number(readFileSync('/run/nginx.pid', 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}
// What the test found, read once it holds the host's nginx (services.test stops and starts it).
let unlock = () => {};
let nginxRan = false;
let hadHook = false;
let hadDir = false;

const visit = (host: string) => visitNginx(80, host);

beforeAll(async () => {
  unlock = await lockHostService('nginx');
  nginxRan = nginxRuns();
  hadHook = existsSync('/etc/nginx/conf.d/diwan.conf');
  hadDir = existsSync('/etc/nginx/diwan');
  execFileSync('chmod', ['0755', webRoot]);
  expect((await runDiwan(['migrate', 'up'], env)).code).toBe(0);
}, HOST_LOCK_TIMEOUT_MS + 60_000);

afterAll(async () => {
  try {
    for (const name of [`cli.${run}.test`, `go.${run}.test`]) {
      await site(['delete', name, '--delete-files', '--yes']);
    }
    if (!nginxRan) execFileSync('service', ['nginx', 'stop'], { stdio: 'ignore' });
    if (!hadHook) rmSync('/etc/nginx/conf.d/diwan.conf', { force: true });
    if (!hadDir) rmSync('/etc/nginx/diwan', { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(webRoot, { recursive: true, force: true });
  } finally {
    unlock();
  }
});

// Each step is a `diwan` process (tsx compiles on start): slow on a busy 2-core machine.
describe('diwan site on the host nginx', { timeout: 60_000 }, () => {
  it('creates a static site that nginx serves on port 80, lists it, and deletes it with its files', async () => {
    const name = `cli.${run}.test`;
    const created = await site(['create', '--type', 'static', '--domain', name, '--domain', `www.${name}`]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('nginx -t: the configuration is valid');
    expect(created.stdout).toMatch(new RegExp(`serves ${name.replace(/\./g, '\\.')}, www\\.`));
    expect(readFileSync('/etc/nginx/conf.d/diwan.conf', 'utf8')).toContain(
      'include /etc/nginx/diwan/http.conf;',
    );
    writeFileSync(join(webRoot, name, 'index.html'), `hello from ${name}\n`);
    expect(await visit(`www.${name}`)).toMatchObject({ status: 200, body: `hello from ${name}\n` });

    const list = await site(['list']);
    expect(list.stdout).toMatch(new RegExp(`\\tstatic\\tenabled\\t${name.replace(/\./g, '\\.')},www\\.`));

    const deleted = await site(['delete', name, '--delete-files', '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(existsSync(join(webRoot, name))).toBe(false);
    expect((await visit(name)).body).not.toContain(`hello from ${name}`);
    expect((await site(['list'])).stdout).not.toContain(name);
  });

  it('creates a redirect to one page', async () => {
    const name = `go.${run}.test`;
    const created = await site([
      'create',
      '--type',
      'redirect',
      '--domain',
      name,
      '--to',
      'https://example.com/welcome',
      '--code',
      '302',
      '--no-keep-path',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(await visit(name)).toMatchObject({ status: 302, location: 'https://example.com/welcome' });
  });

  it('refuses a hostile domain, naming the field, and writes nothing', async () => {
    const before = readFileSync('/etc/nginx/conf.d/diwan.conf', 'utf8');
    const refused = await site(['create', '--type', 'static', '--domain', 'a.com;include /etc/shadow']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/domains\.0: must be a domain name/);
    expect(readFileSync('/etc/nginx/conf.d/diwan.conf', 'utf8')).toBe(before);
    expect((await site(['list'])).stdout).not.toContain('a.com');
  });
});
