import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hostile from '../fixtures/hostile-inputs.json' with { type: 'json' };
import type { WebsitesConfig } from '../../src/server/config/types.js';
import { certFileOf, keyFileOf, siteFileOf, certsDirOf } from '../../src/agent/websites/render.js';
import { createCertificateService } from '../../src/server/features/websites/certificate-service.js';
import { createCertificateStore, createWebsiteStore } from '../../src/server/features/websites/store.js';
import type { Logger } from '../../src/server/logger.js';
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { startPrivateWebServers, type PrivateWebServers } from '../support/web-servers.js';

/**
 * HTTPS for websites against the real nginx of this machine (started here with its own
 * configuration) and Debian's pebble, a real ACME server: pebble validates HTTP-01 by asking the
 * private nginx (every name resolves to 127.0.0.1 through pebble-challtestsrv), so a certificate is
 * issued only when nginx serves the challenge answer. Nothing here makes validation always pass.
 */

const run = Math.random().toString(36).slice(2, 8);
const domain = (name: string) => `${name}.${run}.test`;

let servers: PrivateWebServers;
let layout: WebsitesConfig;
let pebble: Pebble;
let pebbleRoot: string;
let testApp: TestApp;
let headers: Record<string, string>;
const scratch = mkdtempSync(join(tmpdir(), 'diwan-tls-pems-'));

/** Every file under the nginx directory with its mode and hash: "byte-identical before and after". */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (!path.endsWith('.pid') && !path.includes('/log/') && !path.includes('/acme/accounts/')) {
      // (The ACME account key is made once, by whichever order comes first: not a site's file.)
      out[path] = `${stat.mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}
const nginxFiles = () => ({ nginx: tree(join(servers.dir, 'nginx')), www: tree(layout.webRoot) });

interface SecureAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  san: string;
  serial: string;
}

/** An HTTPS request to the private nginx as a browser makes it: SNI, Host, and the chain verified. */
function secureGet(host: string, ca: string, path = '/'): Promise<SecureAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: layout.httpsPort,
        path,
        servername: host,
        headers: { host },
        ca,
        agent: false,
        timeout: 5_000,
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            san: peer.subjectaltname ?? '',
            serial: peer.serialNumber,
          }),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function api(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return testApp.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
}

async function createSite(name: string): Promise<string> {
  const response = await api('POST', '/websites', { type: 'static', domains: [domain(name)] });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: string }).id;
}

/** The task's end state, error and log, once every task of the app has finished. */
async function finished(taskId: string) {
  await testApp.tasks.idle();
  const task = (await testApp.tasks.get(taskId))!;
  const log = await testApp.tasks.log(taskId, 0, 5000);
  return { state: task.state, error: task.error, log: log.map((line) => line.line).join('\n') };
}

async function certificateOf(id: string) {
  return (
    (await api('GET', `/websites/${id}/certificate`)).json() as {
      certificate: {
        source: string;
        issuer: string;
        domains: string[];
        serial: string;
        daysLeft: number;
        notAfter: string;
        lastError: string | null;
        forceHttps: boolean;
        hsts: boolean;
      } | null;
    }
  ).certificate;
}

/**
 * A self-signed certificate that expired in 2020: `openssl ca` is the one tool that takes the dates
 * (req -x509 takes only a positive number of days).
 */
function expiredSelfSigned(name: string, names: string[]): { chain: string; key: string } {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = d',
      '[d]',
      `database = ${dir}/index.txt`,
      `new_certs_dir = ${dir}`,
      `serial = ${dir}/serial`,
      'default_md = sha256',
      'policy = p',
      'copy_extensions = copy',
      '[p]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'req.csr'),
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${names.map((entry) => `DNS:${entry}`).join(',')}`,
    ],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'ca',
      '-batch',
      '-config',
      join(dir, 'ca.cnf'),
      '-selfsign',
      '-keyfile',
      join(dir, 'key.pem'),
      '-in',
      join(dir, 'req.csr'),
      '-out',
      join(dir, 'cert.pem'),
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200201000000Z',
      '-notext',
    ],
    { stdio: 'ignore' },
  );
  return {
    chain: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
  };
}

/** A self-signed certificate and key made by openssl (argv only), for a custom certificate. */
function selfSigned(name: string, names: string[], days = '30'): { chain: string; key: string } {
  const key = join(scratch, `${name}.key`);
  const cert = join(scratch, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      days,
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${names.map((entry) => `DNS:${entry}`).join(',')}`,
    ],
    { stdio: 'ignore' },
  );
  return { chain: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

beforeAll(async () => {
  servers = await startPrivateWebServers('diwan-tls-');
  layout = servers.layout;
  pebble = await startPebble(layout.httpPort);
  pebbleRoot = await pebble.issuingRoot();
  testApp = await buildTestApp(
    { websites: layout, acme: { directoryUrl: pebble.directoryUrl, email: 'ops@diwan.test' } },
    { agent: { acmeCaCertificates: pebble.apiCa } },
  );
  headers = await tokenHeaders(testApp, 'admin');
}, 60_000);

afterAll(async () => {
  if (testApp) {
    const { websites } = (await api('GET', '/websites?limit=500')).json() as { websites: { id: string }[] };
    for (const site of websites) await api('DELETE', `/websites/${site.id}?keepFiles=false`);
  }
  await testApp?.close();
  pebble?.stop();
  servers?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("Let's Encrypt (pebble) for a site", () => {
  let id: string;
  let firstSerial: string;

  it('gets a certificate that nginx then serves over HTTPS, key and folder root-only', async () => {
    id = await createSite('shop');
    const response = await api('PUT', `/websites/${id}/certificate`, { source: 'letsencrypt' });
    expect(response.statusCode, response.body).toBe(202);
    const task = await finished((response.json() as { taskId: string }).taskId);
    expect(task.state, task.log).toBe('succeeded');
    expect(task.log).toContain(`Prove ${domain('shop')}`);
    expect(task.log).toContain('nginx -t: the configuration is valid');
    expect(task.log).toContain(`https://${domain('shop')}/ answered 200`);

    const certificate = (await certificateOf(id))!;
    expect(certificate.source).toBe('letsencrypt');
    expect(certificate.domains).toEqual([domain('shop')]);
    expect(certificate.issuer).toMatch(/Pebble/);
    expect(certificate.daysLeft).toBeGreaterThan(30);
    firstSerial = certificate.serial;

    const page = await secureGet(domain('shop'), pebbleRoot);
    expect(page.status).toBe(200);
    expect(page.body).toContain(domain('shop'));
    expect(page.san).toContain(`DNS:${domain('shop')}`);
    expect(page.serial.replace(/^0+/, '')).toBe(firstSerial.replace(/^0+/, ''));

    expect(statSync(keyFileOf(layout, id)).mode & 0o777).toBe(0o600);
    expect(statSync(certsDirOf(layout)).mode & 0o777).toBe(0o700);
    // The challenge answers are gone once the order is done.
    expect(readdirSync(join(layout.diwanDir, 'acme/webroot/.well-known/acme-challenge'))).toEqual([]);
    // Plain HTTP still serves the site (HTTPS is not forced yet).
    expect((await servers.visit(domain('shop'))).status).toBe(200);
  }, 90_000);

  it('forces HTTPS with a 301 (the challenge path excepted) and sends HSTS when asked', async () => {
    const response = await api('PATCH', `/websites/${id}/certificate`, { forceHttps: true, hsts: true });
    expect(response.statusCode, response.body).toBe(200);
    const plain = await servers.visit(domain('shop'), '/some/page?x=1');
    expect(plain.status).toBe(301);
    expect(plain.location).toBe(`https://${domain('shop')}:${layout.httpsPort}/some/page?x=1`);
    expect((await servers.visit(domain('shop'), '/.well-known/acme-challenge/none')).status).toBe(404);
    const page = await secureGet(domain('shop'), pebbleRoot);
    expect(page.status).toBe(200);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
  }, 90_000);

  it('renews on demand: a new serial, and HTTPS answers throughout', async () => {
    let stop = false;
    const answers: (number | string)[] = [];
    const traffic = (async () => {
      while (!stop) {
        answers.push(
          await secureGet(domain('shop'), pebbleRoot).then(
            (answer) => answer.status,
            (error: Error) => error.message,
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const response = await api('POST', `/websites/${id}/certificate/renew`);
    expect(response.statusCode, response.body).toBe(202);
    const task = await finished((response.json() as { taskId: string }).taskId);
    stop = true;
    await traffic;
    expect(task.state, task.log).toBe('succeeded');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer !== 200)).toEqual([]);
    const renewed = (await certificateOf(id))!;
    expect(renewed.serial).not.toBe(firstSerial);
    expect((await secureGet(domain('shop'), pebbleRoot)).serial.replace(/^0+/, '')).toBe(
      renewed.serial.replace(/^0+/, ''),
    );
    // The switches survive a renewal.
    expect(renewed.forceHttps).toBe(true);
  }, 90_000);

  it('the daily sweep renews what expires within 30 days, and records and audits a failure', async () => {
    const before = (await certificateOf(id))!;
    const now = () => testApp.clock.now;
    // The app's clock moves to a month before expiry: this test reads the records directly, not
    // through the API (whose credentials would have expired by then).
    const store = createCertificateStore(testApp.panelDb.db, now);
    const service = createCertificateService({
      agent: testApp.agent,
      tasks: testApp.tasks,
      sites: createWebsiteStore(testApp.panelDb.db, now),
      certificates: store,
      audit: testApp.services.audit,
      logger: testApp.app.log as unknown as Logger,
      now,
    });
    expect(await service.sweep()).toEqual([]); // nothing due today
    const saved = testApp.clock.now;
    try {
      testApp.clock.now = Date.parse(before.notAfter) - 10 * 86_400_000;
      const [taskId] = await service.sweep();
      const task = await finished(taskId!);
      expect(task.state, task.log).toBe('succeeded');
      const renewed = (await store.get(id))!;
      expect(renewed.serial).not.toBe(before.serial);

      // The ACME server cannot validate the name now: the renewal fails, the old certificate stays.
      testApp.clock.now = Date.parse(renewed.notAfter) - 10 * 86_400_000;
      const files = nginxFiles();
      await pebble.servfail(domain('shop'), true);
      const [failedId] = await service.sweep();
      const failed = await finished(failedId!);
      await pebble.servfail(domain('shop'), false);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatch(/was not validated: the ACME server says: .*could not resolve/);
      expect(nginxFiles()).toEqual(files);
      const after = (await store.get(id))!;
      expect(after.serial).toBe(renewed.serial);
      expect(after.lastError).toBe(failed.error);
    } finally {
      testApp.clock.now = saved;
    }
    {
      const audit = (await api('GET', '/audit?action=website.certificate.renew')).json() as {
        entries: { outcome: string }[];
      };
      expect(audit.entries.map((entry) => entry.outcome)).toEqual(
        expect.arrayContaining(['success', 'failure']),
      );
    }
  }, 120_000);

  it('deleting the site removes its certificate files', async () => {
    expect(existsSync(certFileOf(layout, id))).toBe(true);
    const response = await api('DELETE', `/websites/${id}?keepFiles=false`);
    expect(response.statusCode, response.body).toBe(200);
    expect(existsSync(certFileOf(layout, id))).toBe(false);
    expect(existsSync(keyFileOf(layout, id))).toBe(false);
    expect(readdirSync(certsDirOf(layout)).filter((name) => name.startsWith(id))).toEqual([]);
  }, 90_000);
});

describe('a refused order', () => {
  it("leaves every file byte-identical and fails the task with the ACME server's words", async () => {
    const id = await createSite('refused');
    const files = nginxFiles();
    await pebble.servfail(domain('refused'), true);
    try {
      const response = await api('PUT', `/websites/${id}/certificate`, { source: 'letsencrypt' });
      expect(response.statusCode, response.body).toBe(202);
      const task = await finished((response.json() as { taskId: string }).taskId);
      expect(task.state).toBe('failed');
      expect(task.error).toMatch(/was not validated: the ACME server says: .*could not resolve/);
      expect(task.log).toContain(`Prove ${domain('refused')}`);
    } finally {
      await pebble.servfail(domain('refused'), false);
    }
    expect(nginxFiles()).toEqual(files);
    expect(await certificateOf(id)).toBeNull();
    expect((await servers.visit(domain('refused'))).status).toBe(200);
  }, 60_000);

  it('refuses wildcard names for Let’s Encrypt (HTTP-01 cannot prove them) with a 400', async () => {
    const response = await api('POST', '/websites', { type: 'static', domains: [`*.wild.${run}.test`] });
    const { id } = response.json() as { id: string };
    const refused = await api('PUT', `/websites/${id}/certificate`, { source: 'letsencrypt' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: { field: 'domains' } });
  }, 90_000);
});

describe('a custom certificate', () => {
  it('is refused with a 400 naming the field, and nothing written, when hostile or mismatched', async () => {
    const id = await createSite('custom');
    const good = selfSigned('good', [domain('custom')]);
    const other = selfSigned('other', [domain('someone-else')]);
    const expired = expiredSelfSigned('expired', [domain('custom')]);
    const files = nginxFiles();
    const put = (body: object) => api('PUT', `/websites/${id}/certificate`, { source: 'custom', ...body });
    const cases: [object, 'chain' | 'key', RegExp][] = [
      [{ chain: other.chain, key: other.key }, 'chain', /does not cover/],
      [{ chain: good.chain, key: other.key }, 'key', /does not belong/],
      [{ chain: expired.chain, key: expired.key }, 'chain', /expired on 2020-02-01/],
      [{ chain: good.key, key: good.key }, 'chain', /PEM/],
      [{ chain: good.chain, key: good.chain }, 'key', /PEM/],
      [{ chain: `${good.chain}\nnginx; include /etc/shadow;`, key: good.key }, 'chain', /PEM/],
      // Out of order: the second certificate did not issue the first.
      [{ chain: `${good.chain}${other.chain}`, key: good.key }, 'chain', /did not issue/],
    ];
    const strings = Object.values(hostile as unknown as Record<string, { values?: string[] }>).flatMap(
      (group) => group.values ?? [],
    );
    for (const value of strings) {
      cases.push(
        [{ chain: value, key: good.key }, 'chain', /./],
        [{ chain: good.chain, key: value }, 'key', /./],
      );
    }
    for (const [body, field, message] of cases) {
      const response = await put(body);
      expect(response.statusCode, `${JSON.stringify(body).slice(0, 200)} ${response.body}`).toBe(400);
      const error = (response.json() as { error: { field: string; message: string } }).error;
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
    expect(nginxFiles()).toEqual(files);
    expect(await certificateOf(id)).toBeNull();

    // The real one is served, and removing it puts the plain vhost back. (The app's clock stands
    // where the app was built, before this certificate was made: now it is checked against now.)
    testApp.clock.now = Date.now();
    const vhostBefore = readFileSync(siteFileOf(layout, id), 'utf8');
    const accepted = await put(good);
    expect(accepted.statusCode, accepted.body).toBe(200);
    const page = await secureGet(domain('custom'), good.chain);
    expect(page.status).toBe(200);
    expect(page.san).toContain(`DNS:${domain('custom')}`);
    expect((await certificateOf(id))!.source).toBe('custom');
    // A custom certificate is not renewed by Diwan.
    expect((await api('POST', `/websites/${id}/certificate/renew`)).statusCode).toBe(409);

    const removed = await api('DELETE', `/websites/${id}/certificate`);
    expect(removed.statusCode, removed.body).toBe(200);
    const nonce = (text: string) => text.replace(/diwan-[0-9a-f]{24}/g, 'diwan-NONCE');
    expect(nonce(readFileSync(siteFileOf(layout, id), 'utf8'))).toBe(nonce(vhostBefore));
    expect(existsSync(certFileOf(layout, id))).toBe(false);
    expect(existsSync(keyFileOf(layout, id))).toBe(false);
    expect(await certificateOf(id)).toBeNull();
    expect((await servers.visit(domain('custom'))).status).toBe(200);
  }, 60_000);
});
