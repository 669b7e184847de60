import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import hostile from '../fixtures/hostile-inputs.json' with { type: 'json' };
import type { WebsitesConfig } from '../../src/server/config/types.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import { startPrivateWebServers, type PrivateWebServers } from '../support/web-servers.js';
import { createHostWebsitesOps } from '../../src/agent/ops/websites/handlers.js';
import { phpStateOf, siteUserOf } from '../../src/agent/websites/render.js';
import { freePort } from '../support/cli.js';

/**
 * Websites against the real nginx and php8.2-fpm of this machine, each started here with its own
 * configuration in a temporary directory (so the host's own nginx is never touched, and the test
 * owns what it stops). Sites are created, served, changed and deleted through the API.
 */

const run = Math.random().toString(36).slice(2, 8);
const domain = (name: string) => `${name}.${run}.test`;

let servers: PrivateWebServers;
let layout: WebsitesConfig;
let dir: string;
let visit: PrivateWebServers['visit'];
let testApp: TestApp;
let headers: Record<string, string>;
let upstream: Server;
let upstreamPort: number;

/** Every file under a directory with its hash and mode: "byte-identical before and after". */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (!path.endsWith('.pid') && !path.includes('/log/') && !path.endsWith('.sock')) {
      out[path] = `${stat.mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

const hostState = () => ({
  nginx: tree(join(dir, 'nginx')),
  www: tree(layout.webRoot),
  php: tree(join(dir, 'php')),
});

beforeAll(async () => {
  servers = await startPrivateWebServers();
  ({ layout, dir, visit } = servers);

  upstreamPort = await freePort();
  upstream = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        from: 'upstream',
        host: req.headers.host,
        forwardedFor: req.headers['x-forwarded-for'],
      }),
    );
  });
  new WebSocketServer({ server: upstream }).on('connection', (socket) =>
    socket.on('message', (data) => socket.send(`echo: ${String(data)}`)),
  );
  await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));

  testApp = await buildTestApp({ websites: layout });
  headers = await tokenHeaders(testApp, 'admin');
}, 60_000);

afterAll(async () => {
  // Through the API, so that the Linux users of PHP sites go too.
  if (testApp) {
    const { websites } = (
      await testApp.app.inject({ method: 'GET', url: '/api/v1/websites?limit=500', headers })
    ).json() as { websites: { id: string }[] };
    for (const site of websites) {
      await testApp.app.inject({
        method: 'DELETE',
        url: `/api/v1/websites/${site.id}?keepFiles=false`,
        headers,
      });
    }
  }
  await testApp?.close();
  upstream?.close();
  servers?.stop();
});

async function create(body: Record<string, unknown>) {
  return testApp.app.inject({ method: 'POST', url: '/api/v1/websites', headers, payload: body });
}

/**
 * Runs one website change in a process of its own (apply-child.ts) and kills it (SIGKILL) once
 * `nginx -t` has passed and before any reload: every file written, nothing reloaded.
 */
async function applyAndKill(site: object): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./apply-child.ts', import.meta.url)),
      JSON.stringify(layout),
      JSON.stringify(site),
    ],
    {
      env: { ...process.env, DIWAN_TEST_WEBSITES_PAUSE_MS: '60000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('nginx -t: the configuration is valid')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the child ended first (${code}): ${out}`)));
  });
  child.kill('SIGKILL');
  await once(child, 'exit');
}

const osUserExists = (name: string) =>
  readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((line) => line.startsWith(`${name}:`));

describe('websites on the real nginx and php-fpm', () => {
  it('creates a static site that serves its first page, then the files put in its root', async () => {
    const name = domain('static');
    const response = await create({ type: 'static', domains: [name, `www.${name}`] });
    expect(response.statusCode, response.body).toBe(201);
    const site = response.json();
    expect(site).toMatchObject({
      type: 'static',
      domains: [name, `www.${name}`],
      root: `${layout.webRoot}/${name}`,
      enabled: true,
    });
    expect((await visit(name)).body).toContain(name);
    // The change was one task, its phases named in its log.
    const task = (
      await testApp.app.inject({ method: 'GET', url: `/api/v1/tasks/${site.taskId}`, headers })
    ).json();
    expect(task.task).toMatchObject({ kind: 'website.create', state: 'succeeded' });
    expect(
      task.log
        .filter((line: { stream: string }) => line.stream === 'step')
        .map((line: { line: string }) => line.line),
    ).toEqual([
      'Write the configuration',
      'Check the configuration (nginx -t)',
      'Reload the servers',
      'Ask the site whether it answers as intended',
    ]);
    writeFileSync(join(site.root, 'hello.txt'), 'hello from the root\n');
    expect(await visit(`www.${name}`, '/hello.txt')).toMatchObject({
      status: 200,
      body: 'hello from the root\n',
    });
    // Dot files are never served.
    writeFileSync(join(site.root, '.env'), 'SECRET=1\n');
    expect((await visit(name, '/.env')).status).toBe(403);
  });

  it('creates a PHP site that runs PHP as its own user, shut in its own folder', async () => {
    const name = domain('php');
    const response = await create({ type: 'php', domains: [name], phpVersion: '8.2' });
    expect(response.statusCode, response.body).toBe(201);
    const { root } = response.json();
    writeFileSync(join(root, 'index.php'), '<?php echo 6*7;');
    writeFileSync(
      join(root, 'who.php'),
      "<?php echo posix_getpwuid(posix_geteuid())['name'], ' ', @file_get_contents('/etc/hostname') === false ? 'shut-in' : 'open';",
    );
    expect(await visit(name, '/index.php')).toMatchObject({ status: 200, body: '42' });
    const who = await visit(name, '/who.php');
    expect(who.body).toMatch(/^diwan-site-[0-9a-f]{12} shut-in$/);
    // Other users cannot read the site's folder; nginx can, through its group.
    expect(statSync(root).mode & 0o777).toBe(0o750);
  });

  it('creates a reverse proxy that passes Host, the client address and WebSocket upgrades', async () => {
    const name = domain('proxy');
    const response = await create({
      type: 'proxy',
      domains: [name],
      upstream: `http://127.0.0.1:${upstreamPort}`,
    });
    expect(response.statusCode, response.body).toBe(201);
    const answer = await visit(name, '/api');
    expect(JSON.parse(answer.body)).toEqual({ from: 'upstream', host: name, forwardedFor: '127.0.0.1' });
    const socket = new WebSocket(`ws://127.0.0.1:${layout.httpPort}/socket`, { headers: { host: name } });
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send('ping'));
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    socket.close();
    expect(echoed).toBe('echo: ping');
  });

  it('creates a redirect that keeps the path and query, or sends everyone to one page', async () => {
    const kept = domain('old');
    expect(
      (
        await create({
          type: 'redirect',
          domains: [kept],
          redirect: { to: 'https://new.example.com/', code: 308, keepPath: true },
        })
      ).statusCode,
    ).toBe(201);
    expect(await visit(kept, '/a/b?c=1')).toMatchObject({
      status: 308,
      location: 'https://new.example.com/a/b?c=1',
    });
    const fixed = domain('promo');
    expect(
      (
        await create({
          type: 'redirect',
          domains: [fixed],
          redirect: { to: 'https://example.com/landing', code: 302, keepPath: false },
        })
      ).statusCode,
    ).toBe(201);
    expect(await visit(fixed, '/anything')).toMatchObject({
      status: 302,
      location: 'https://example.com/landing',
    });
  });

  it('refuses hostile input with 400 naming the field, and the host stays byte-identical', async () => {
    const groups = hostile as unknown as Record<string, { values: string[] }>;
    const attempts: [Record<string, unknown>, string][] = [
      ...[
        ...groups.nginx!.values,
        ...groups.domain!.values,
        ...groups.unicode!.values,
        ...groups.control!.values,
      ].map((value): [Record<string, unknown>, string] => [{ type: 'static', domains: [value] }, 'domains']),
      ...groups.path!.values.map((value): [Record<string, unknown>, string] => [
        { type: 'static', domains: [domain('h')], root: value },
        'root',
      ]),
      ...groups.url!.values.map((value): [Record<string, unknown>, string] => [
        { type: 'proxy', domains: [domain('h')], upstream: value },
        'upstream',
      ]),
      ...groups.url!.values.map((value): [Record<string, unknown>, string] => [
        { type: 'redirect', domains: [domain('h')], redirect: { to: value } },
        'redirect',
      ]),
      [{ type: 'static', domains: [`${'a'.repeat(64)}.test`] }, 'domains'],
      [{ type: 'php', domains: [domain('h')], phpVersion: '8.2; rm -rf /' }, 'phpVersion'],
      [{ type: 'static', domains: [domain('h')], options: { index: ['index.html;'] } }, 'options'],
      [{ type: 'static', domains: [domain('h')], options: { allow: ['1.2.3.4; deny all'] } }, 'options'],
      [{ type: 'static', domains: [domain('h')], snippet: 'return 200;' }, ''],
    ];
    const before = hostState();
    const countBefore = (await testApp.app.inject({ method: 'GET', url: '/api/v1/websites', headers })).json()
      .total;
    for (const [body, field] of attempts) {
      const response = await create(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const error = response.json().error;
      expect(error.code).toBe('DIWAN_E_VALIDATION');
      if (field) expect(String(error.field ?? error.message), JSON.stringify(body)).toContain(field);
    }
    expect(hostState()).toEqual(before);
    expect((await testApp.app.inject({ method: 'GET', url: '/api/v1/websites', headers })).json().total).toBe(
      countBefore,
    );
  });

  it('rolls a change nginx refuses back whole, with nginx’s own message, and every other site still answers', async () => {
    const good = domain('good');
    expect((await create({ type: 'static', domains: [good] })).statusCode).toBe(201);
    const before = hostState();
    const response = await create({
      type: 'proxy',
      domains: [domain('bad')],
      upstream: 'http://no-such-host.invalid:8080',
    });
    expect(response.statusCode).toBe(502);
    expect(response.json().error.message).toContain('host not found in upstream');
    expect(hostState()).toEqual(before);
    expect((await visit(good)).status).toBe(200);
    const list = (
      await testApp.app.inject({ method: 'GET', url: `/api/v1/websites?search=bad.${run}`, headers })
    ).json();
    expect(list.total).toBe(0);
  });

  it('refuses a domain another site has (409), and changes nothing', async () => {
    const name = domain('taken');
    expect((await create({ type: 'static', domains: [name] })).statusCode).toBe(201);
    const before = hostState();
    const response = await create({
      type: 'redirect',
      domains: [name.toUpperCase()],
      redirect: { to: 'https://example.com' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.field).toBe('domains');
    expect(hostState()).toEqual(before);
  });

  it('disables a site behind a maintenance page and enables it again', async () => {
    const name = domain('maint');
    const { id } = (await create({ type: 'static', domains: [name] })).json();
    const off = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/websites/${id}`,
      headers,
      payload: { enabled: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(await visit(name)).toMatchObject({ status: 503 });
    expect((await visit(name)).body).toContain('maintenance');
    const on = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/websites/${id}`,
      headers,
      payload: { enabled: true },
    });
    expect(on.json().enabled).toBe(true);
    expect((await visit(name)).status).toBe(200);
  });

  it('deletes a site: nginx stops serving it; its files, pool and user go unless kept', async () => {
    const name = domain('gone');
    const { id, root } = (await create({ type: 'php', domains: [name], phpVersion: '8.2' })).json();
    const config = (
      await testApp.app.inject({ method: 'GET', url: `/api/v1/websites/${id}/config`, headers })
    ).json();
    expect(config.files.map((file: { path: string }) => file.path)).toEqual([
      `${layout.diwanDir}/sites/${id}.conf`,
      `${layout.phpDir}/8.2/fpm/pool.d/diwan-${id}.conf`,
    ]);
    const response = await testApp.app.inject({
      method: 'DELETE',
      url: `/api/v1/websites/${id}?keepFiles=false`,
      headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().removedFiles).toBe(true);
    expect(existsSync(root)).toBe(false);
    expect(existsSync(`${layout.diwanDir}/sites/${id}.conf`)).toBe(false);
    expect(existsSync(`${layout.phpDir}/8.2/fpm/pool.d/diwan-${id}.conf`)).toBe(false);
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain(
      `diwan-site-${id.replace(/-/g, '').slice(0, 12)}`,
    );
    await expect(visit(name)).rejects.toThrow(); // the default server closes the connection (444)
    expect(
      (await testApp.app.inject({ method: 'GET', url: `/api/v1/websites/${id}`, headers })).statusCode,
    ).toBe(404);
  });

  it('lists sites with search, type filter, sorting and pages', async () => {
    const page = (query: string) =>
      testApp.app.inject({ method: 'GET', url: `/api/v1/websites?${query}`, headers }).then((r) => r.json());
    const all = await page('limit=500');
    expect(all.total).toBeGreaterThanOrEqual(6);
    const primaries = all.websites.map((site: { domains: string[] }) => site.domains[0]);
    expect(primaries).toEqual([...primaries].sort());
    expect((await page(`search=www.static.${run}`)).websites.map((s: { type: string }) => s.type)).toEqual([
      'static',
    ]);
    expect(
      (await page('type=redirect&limit=500')).websites.every((s: { type: string }) => s.type === 'redirect'),
    ).toBe(true);
    const first = await page('limit=2&offset=0');
    const second = await page('limit=2&offset=2');
    expect(first.websites).toHaveLength(2);
    expect(second.websites[0].id).not.toBe(first.websites[1].id);
    const newest = (await page('sort=created&order=desc&limit=2')).websites;
    expect(Date.parse(newest[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(newest[1].createdAt));
  });

  it('reports hand edits, missing files and orphans as drift, and leaves them as they are', async () => {
    const edited = (await create({ type: 'static', domains: [domain('edited')] })).json();
    const removed = (
      await create({
        type: 'redirect',
        domains: [domain('removed')],
        redirect: { to: 'https://example.com' },
      })
    ).json();
    const kept = (await create({ type: 'php', domains: [domain('kept')], phpVersion: '8.2' })).json();
    const file = (id: string) => `${layout.diwanDir}/sites/${id}.conf`;
    const handEdit = `${readFileSync(file(edited.id), 'utf8')}# added by hand\n`;
    writeFileSync(file(edited.id), handEdit);
    rmSync(file(removed.id));
    writeFileSync(`${layout.diwanDir}/sites/stray.conf`, '# not a site of Diwan\n');
    const drift = (
      await testApp.app.inject({ method: 'GET', url: '/api/v1/websites/drift', headers })
    ).json();
    const state = (id: string) => drift.sites.find((site: { id: string }) => site.id === id)?.state;
    expect([state(edited.id), state(removed.id), state(kept.id)]).toEqual(['changed', 'missing', 'ok']);
    expect(drift.orphans).toEqual([`${layout.diwanDir}/sites/stray.conf`]);
    expect(readFileSync(file(edited.id), 'utf8')).toBe(handEdit);
    rmSync(`${layout.diwanDir}/sites/stray.conf`);
  });

  it('puts back a change whose agent was killed midway, when the agent starts again', async () => {
    const name = domain('crash');
    const created = (await create({ type: 'static', domains: [name] })).json();
    writeFileSync(join(created.root, 'index.html'), 'before the crash\n');
    const file = `${layout.diwanDir}/sites/${created.id}.conf`;
    const before = readFileSync(file, 'utf8');

    // The change (disable: a maintenance page) is written and checked, then the agent dies.
    await applyAndKill({ id: created.id, spec: { type: 'static', domains: [name] }, enabled: false });
    expect(readFileSync(file, 'utf8')).toContain('return 503');
    expect(existsSync(`${layout.diwanDir}/journal.json`)).toBe(true);
    expect(await visit(name)).toMatchObject({ status: 200, body: 'before the crash\n' });

    // The agent starts again: the file goes back, nginx reloads, the site is as it was.
    const ops = createHostWebsitesOps(layout);
    expect(await ops.recover()).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(`${layout.diwanDir}/journal.json`)).toBe(false);
    expect(await visit(name)).toMatchObject({ status: 200, body: 'before the crash\n' });
    const drift = (
      await testApp.app.inject({ method: 'GET', url: '/api/v1/websites/drift', headers })
    ).json();
    expect(drift.sites.find((site: { id: string }) => site.id === created.id).state).toBe('ok');
  });

  it('removes the user and folders of a new PHP site whose agent was killed midway', async () => {
    const id = randomUUID();
    const name = domain('crashphp');
    const user = siteUserOf(id);
    const root = join(layout.webRoot, name);
    await applyAndKill({ id, spec: { type: 'php', domains: [name], phpVersion: '8.2' }, enabled: true });
    expect(osUserExists(user)).toBe(true);
    expect(existsSync(root)).toBe(true);
    expect(existsSync(phpStateOf(layout, id))).toBe(true);
    expect(existsSync(`${layout.diwanDir}/sites/${id}.conf`)).toBe(true);

    const put = await createHostWebsitesOps(layout).recover();
    expect(put).toEqual(expect.arrayContaining([root, phpStateOf(layout, id), `user ${user}`]));
    expect(osUserExists(user)).toBe(false);
    expect(existsSync(root)).toBe(false);
    expect(existsSync(phpStateOf(layout, id))).toBe(false);
    expect(existsSync(`${layout.diwanDir}/sites/${id}.conf`)).toBe(false);
    expect(readdirSync(join(layout.phpDir, '8.2', 'fpm', 'pool.d')).some((f) => f.includes(id))).toBe(false);
    expect(existsSync(`${layout.diwanDir}/journal.json`)).toBe(false);
  });

  it("reads a site's access and error logs, the newest last, with a search", async () => {
    const name = domain('logs');
    const { id } = (await create({ type: 'static', domains: [name] })).json();
    for (const path of ['/first-page', '/second-page', '/.git/config']) await visit(name, path);
    const logs = (query: string) =>
      testApp.app.inject({ method: 'GET', url: `/api/v1/websites/${id}/logs?${query}`, headers });
    const access = (await logs('kind=access&lines=10')).json();
    expect(access.file).toBe(`${layout.logDir}/diwan-${id}.access.log`);
    expect(access.lines.map((line: string) => /"GET (\S+)/.exec(line)?.[1])).toEqual([
      '/',
      '/first-page',
      '/second-page',
      '/.git/config',
    ]);
    const found = (await logs('kind=access&search=SECOND')).json();
    expect(found.lines).toHaveLength(1);
    expect(found.lines[0]).toContain('/second-page');
    const errors = (await logs('kind=error')).json();
    // The dot file refused by its rule: nginx says so in the error log.
    expect(errors.lines.some((line: string) => /access forbidden by rule.*\.git\/config/.test(line))).toBe(
      true,
    );
    for (const bad of ['lines=0', 'lines=1001', 'kind=debug', 'search=a%0Ab']) {
      const response = await logs(bad);
      expect(response.statusCode, bad).toBe(400);
    }
  });

  it('applies request limits, error pages, hotlink protection and an administrator’s snippet', async () => {
    const name = domain('extras');
    const response = await create({
      type: 'static',
      domains: [name],
      options: {
        rateLimit: { perSecond: 1, burst: 0 },
        errorPages: [{ code: 404, page: '/errors/missing.html' }],
        hotlinkProtection: { allow: ['friend.example.org'] },
        snippet: 'add_header X-Diwan-Test snippet-here always;',
      },
    });
    expect(response.statusCode, `${response.body} ${testApp.logs.text.slice(-3000)}`).toBe(201);
    const { root } = response.json();
    mkdirSync(join(root, 'errors'));
    writeFileSync(join(root, 'errors', 'missing.html'), 'our own 404 page\n');
    writeFileSync(join(root, 'logo.png'), 'not really a png\n');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the check used this second's request

    const missing = await visit(name, '/nowhere');
    expect(missing).toMatchObject({ status: 404, body: 'our own 404 page\n' });
    expect(missing.headers['x-diwan-test']).toBe('snippet-here');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const burst = await Promise.all(Array.from({ length: 5 }, () => visit(name, '/')));
    expect(burst.filter((answer) => answer.status === 429).length).toBeGreaterThanOrEqual(3);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await visit(name, '/logo.png', { referer: 'https://evil.example/page' })).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await visit(name, '/logo.png', { referer: `http://${name}/index.html` })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await visit(name, '/logo.png', { referer: 'https://friend.example.org/' })).status).toBe(200);
  });

  it('rolls back a snippet nginx refuses, with its message', async () => {
    const before = hostState();
    const response = await create({
      type: 'static',
      domains: [domain('snippet')],
      options: { snippet: 'no_such_directive on;' },
    });
    expect(response.statusCode).toBe(502);
    expect(response.json().error.message).toContain('unknown directive "no_such_directive"');
    expect(hostState()).toEqual(before);
  });

  it('puts a login in front of a path, keeps only a hash, and shows neither password nor hash', async () => {
    const name = domain('login');
    const password = 'open-sesame-42';
    const response = await create({
      type: 'php',
      domains: [name],
      phpVersion: '8.2',
      options: {
        passwordProtection: { path: '/private', realm: 'Staff', users: [{ username: 'ana', password }] },
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const site = response.json();
    expect(site.options.passwordProtection).toEqual({
      path: '/private',
      realm: 'Staff',
      users: [{ username: 'ana' }],
    });
    expect(response.body).not.toContain(password);
    const stored = await testApp.panelDb.db
      .selectFrom('websites')
      .select('spec')
      .where('id', '=', site.id)
      .executeTakeFirstOrThrow();
    expect(stored.spec).not.toContain(password);
    expect(stored.spec).toMatch(/"passwordHash":"\{SSHA\}/);
    const htpasswd = `${layout.diwanDir}/htpasswd/${site.id}`;
    expect(statSync(htpasswd).mode & 0o777).toBe(0o640);

    mkdirSync(join(site.root, 'private'));
    writeFileSync(join(site.root, 'private', 'secret.php'), '<?php echo "inside";');
    const basic = (user: string, pass: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    });
    expect((await visit(name, '/')).status).toBe(200);
    expect((await visit(name, '/private/secret.php')).status).toBe(401);
    expect((await visit(name, '/%70rivate/secret.php')).status).toBe(401); // an encoded path is the same path
    expect((await visit(name, '/private/secret.php', basic('ana', 'wrong-password'))).status).toBe(401);
    expect(await visit(name, '/private/secret.php', basic('ana', password))).toMatchObject({
      status: 200,
      body: 'inside',
    });

    // Another setting changes; the user, sent without a password, keeps the one she had.
    const patched = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/websites/${site.id}`,
      headers,
      payload: {
        options: {
          gzip: false,
          passwordProtection: { path: '/private', realm: 'Staff', users: [{ username: 'ana' }] },
        },
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await visit(name, '/private/secret.php', basic('ana', password))).status).toBe(200);
    const newcomer = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/websites/${site.id}`,
      headers,
      payload: { options: { passwordProtection: { users: [{ username: 'bob' }] } } },
    });
    expect(newcomer.statusCode).toBe(400);
    expect(newcomer.json().error.field).toBe('options');

    for (const users of [
      [{ username: 'a:b', password }],
      [{ username: 'ana', password: 'line\nbreak-pass' }],
    ]) {
      const bad = await create({
        type: 'static',
        domains: [domain('badlogin')],
        options: { passwordProtection: { users } },
      });
      expect(bad.statusCode).toBe(400);
    }
  });

  it('follows a site’s access log over the live socket, line by line, until unsubscribed', async () => {
    const name = domain('follow');
    const { id } = (await create({ type: 'static', domains: [name] })).json();
    await testApp.app.listen({ host: '127.0.0.1', port: 0 });
    const address = testApp.app.server.address() as { port: number };
    const socket = new WebSocket(`ws://127.0.0.1:${address.port}/api/v1/live`, { headers });
    await once(socket, 'open');
    const received: string[][] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { channel?: string; lines?: string[] };
      if (message.channel === 'site-log') received.push(message.lines!);
    });
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(check()).toBe(true);
    };
    socket.send(JSON.stringify({ type: 'subscribe', channel: 'site-log', id, kind: 'access' }));
    await waitFor(() => received.length >= 1); // the last lines first
    await visit(name, '/followed-1');
    await visit(name, '/followed-2');
    await waitFor(() => received.flat().some((line) => line.includes('/followed-2')));
    const followed = received
      .slice(1)
      .flat()
      .map((line) => /"GET (\S+)/.exec(line)?.[1]);
    expect(followed).toEqual(['/followed-1', '/followed-2']);

    socket.send(JSON.stringify({ type: 'unsubscribe', channel: 'site-log', id, kind: 'access' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const count = received.length;
    await visit(name, '/after-unsubscribe');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(received.length).toBe(count);
    socket.close();
  });
});
