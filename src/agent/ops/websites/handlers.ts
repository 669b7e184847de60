import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AgentInput } from '../../../contract/agent-ops.js';
import { DiwanError } from '../../../contract/errors.js';
import {
  siteRoot,
  type CertificateInfo,
  type CustomCertificate,
  type SiteRecord,
} from '../../../contract/websites.js';
import {
  certificateInfo,
  checkCustomCertificate,
  parseChain,
} from '../../../server/features/websites/certificates.js';
import type { WebsitesConfig } from '../../../server/config/types.js';
import type { Handler, OpContext } from '../../dispatch.js';
import { readForUpdate, restore, writeAtomic } from '../../system/atomic-write.js';
import { run } from '../../system/exec.js';
import { lookupOsUser, type OsUser } from '../../system/os-users.js';
import { runAction } from '../../system/host-command.js';
import { MAX_LOG_LINES, readLogSince, readLogTail } from '../../system/log-tail.js';
import { Mutex } from '../../system/mutex.js';
import { createServiceManager, type ServiceManager } from '../../system/services.js';
import { createNginx, createPhpFpm, type Nginx, type PhpFpm } from '../../system/web-servers.js';
import { createAccountKey, orderCertificate, type AcmeClientOptions } from './acme.js';
import {
  ACME_CHALLENGE_PATH,
  certFileOf,
  certsDirOf,
  challengeRootOf,
  keyFileOf,
  checkPath,
  phpStateOf,
  poolFileOf,
  renderHook,
  renderHttp,
  renderPool,
  renderHtpasswd,
  renderSite,
  htpasswdFileOf,
  siteFileOf,
  sitesDirOf,
  siteUserOf,
} from '../../websites/render.js';

export interface WebsitesDeps {
  layout: WebsitesConfig;
  nginx: Nginx;
  phpFpm: PhpFpm;
  /** The ACME server (Let's Encrypt) and contact; without it, certificates can only be given. */
  acme?: AcmeClientOptions;
}

/** How long the check waits for nginx (and a new PHP pool) to serve what was just written. */
const CHECK_DEADLINE_MS = 8_000;

interface Answer {
  status: number;
  location: string | null;
}

/** A request to nginx on loopback with the site's Host, as a visitor's browser would send it. */
function ask(port: number, host: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      // A fresh connection each time: a kept-alive one may still be held by a worker of the old config.
      { host: '127.0.0.1', port, path, headers: { host }, timeout: 3_000, agent: false },
      (response) => {
        response.resume();
        const location = response.headers.location;
        resolve({ status: response.statusCode ?? 0, location: location ?? null });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The same over HTTPS with the site's name as SNI, also returning the serial of the certificate
 * nginx presented. Whether a browser would trust it is not the question here (the certificate was
 * checked before it was written): the check compares that serial with the one just written, which
 * proves nginx serves this very certificate, so the chain is not verified against a CA list.
 */
function askTls(port: number, host: string, path: string): Promise<Answer & { serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: host.replace(/^\*\./, 'diwan-check.'),
        headers: { host },
        timeout: 3_000,
        agent: false,
        rejectUnauthorized: false,
      },
      (response) => {
        response.resume();
        const serial = (response.socket as TLSSocket).getPeerCertificate().serialNumber ?? '';
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location ?? null,
          serial: normalSerial(serial),
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', reject);
    req.end();
  });
}

const normalSerial = (serial: string) => serial.toUpperCase().replace(/^0+/, '');

/** A GET to nginx on loopback with the site's Host, with the body (the challenge's self-check). */
function fetchText(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host }, timeout: 3_000, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', reject);
    req.end();
  });
}

/** What the site must answer on `/` to count as live, or why not. Null when it does. */
function verdictOn(site: SiteRecord, answer: Answer, freshRoot: boolean): string | null {
  const { spec } = site;
  if (!site.enabled) return answer.status === 503 ? null : `answered ${answer.status}, not 503`;
  // The site's own request limit answered (the check's first request took the allowance): live.
  if (answer.status === 429 && spec.options.rateLimit) return null;
  switch (spec.type) {
    case 'static':
      // A folder made just now holds Diwan's first page: anything but 200 means nginx cannot read it.
      if (freshRoot) return answer.status === 200 ? null : `answered ${answer.status}, not 200`;
      return answer.status < 500 ? null : `answered ${answer.status}`;
    case 'php':
      return [502, 503, 504].includes(answer.status)
        ? `answered ${answer.status}: PHP-FPM does not serve the site's pool`
        : null;
    case 'proxy':
      return null; // nginx serves it; whether the upstream runs yet is the user's business (noted)
    case 'redirect': {
      const { to, code, keepPath } = spec.redirect;
      const expected = keepPath ? `${to.replace(/\/+$/, '')}/` : to;
      if (answer.status !== code) return `answered ${answer.status}, not ${code}`;
      return answer.location === expected ? null : `sent Location ${answer.location}, not ${expected}`;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Tests kill the agent here, with the files written and nothing reloaded yet. */
async function pauseForCrashTest(): Promise<void> {
  if (!process.env.VITEST) return;
  const ms = Number(process.env.DIWAN_TEST_WEBSITES_PAUSE_MS);
  if (Number.isFinite(ms) && ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

const DEFAULT_INDEX = (domain: string) =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>${domain}</title></head>\n` +
  `<body><h1>${domain}</h1><p>This site is ready. Upload its files to replace this page.</p></body></html>\n`;

/** What a change makes besides files: a folder (removed whole) or a site's Linux user. */
type Made = { kind: 'dir'; path: string } | { kind: 'user'; name: string };

interface Journal {
  pid: number;
  files: { path: string; previous: string | null }[];
  made?: Made[];
}

/**
 * A change to the host that can be undone: each step registers how to put things back, and on any
 * failure the steps are undone in reverse order. Files are also journaled on disk before they
 * change (path and previous bytes), and folders and users before they are made, so that an agent
 * killed midway puts everything back when it starts again (`recover`): the change fully happens or
 * fully rolls back, even across a crash.
 */
class Undo {
  private readonly steps: { what: string; undo: () => Promise<void> }[] = [];
  private readonly journal: Journal = { pid: process.pid, files: [], made: [] };
  constructor(private readonly journalPath: string) {}

  add(what: string, undo: () => Promise<void>): void {
    this.steps.push({ what, undo });
  }

  /** Call before a file changes: its previous bytes reach the disk first. */
  async beforeFileChange(path: string, previous: Buffer | null): Promise<void> {
    if (this.journal.files.some((entry) => entry.path === path)) return;
    this.journal.files.push({ path, previous: previous === null ? null : previous.toString('base64') });
    await this.persist();
  }

  /** Call before making a folder that did not exist, or a user: the intent reaches the disk first. */
  async beforeMaking(made: Made): Promise<void> {
    this.journal.made!.push(made);
    await this.persist();
  }

  private async persist(): Promise<void> {
    await writeAtomic(this.journalPath, JSON.stringify(this.journal), {
      expectedVersion: undefined,
      keepPrevious: false,
      mode: 0o600,
    });
  }

  /** The change is whole (or wholly undone): nothing to recover any more. */
  async settle(): Promise<void> {
    await rm(this.journalPath, { force: true });
  }

  /** Undoes everything; returns what could not be undone. */
  async run(): Promise<string[]> {
    const failed: string[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step.undo();
      } catch (error) {
        failed.push(`${step.what}: ${(error as Error).message}`);
      }
    }
    return failed;
  }
}

/**
 * The websites module on the agent's side. Every change is whole or nothing: files written
 * atomically with their previous bytes kept → `nginx -t` (and `php-fpm -t`) → reload → the site is
 * asked, with its Host, whether it serves what was written → on any failure every file, user and
 * folder goes back as it was, and the servers are reloaded.
 */
export function createWebsitesOps(deps: WebsitesDeps) {
  const { layout } = deps;
  const lock = new Mutex();
  const journalPath = `${layout.diwanDir}/journal.json`;

  async function write(
    path: string,
    content: string,
    undo: Undo,
    owner: { mode: number; uid?: number; gid?: number } = { mode: 0o644 },
  ): Promise<boolean> {
    const current = await readForUpdate(path);
    if (current.content?.toString('utf8') === content) return false;
    await undo.beforeFileChange(path, current.content);
    const { previous } = await writeAtomic(path, content, { expectedVersion: current.version, ...owner });
    undo.add(`restore ${path}`, () => restore(path, previous));
    return true;
  }

  async function remove(path: string, undo: Undo): Promise<boolean> {
    const current = await readForUpdate(path);
    if (current.content === null) return false;
    await undo.beforeFileChange(path, current.content);
    await rm(path);
    undo.add(`restore ${path}`, () => restore(path, current.content));
    return true;
  }

  /** The challenge answers' folder: readable by nginx's workers, written only by the agent. */
  async function ensureChallengeDir(): Promise<string> {
    const challengeDir = `${challengeRootOf(layout)}${ACME_CHALLENGE_PATH}`.replace(/\/$/, '');
    await mkdir(challengeDir, { recursive: true });
    for (
      let dir = challengeDir;
      dir.length > layout.diwanDir.length;
      dir = dir.slice(0, dir.lastIndexOf('/'))
    )
      await chmod(dir, 0o755);
    return `${challengeDir}/`;
  }

  /** Diwan's hook in nginx's configuration and its http-level file: written once, kept current. */
  async function ensureBase(undo: Undo): Promise<void> {
    await mkdir(sitesDirOf(layout), { recursive: true });
    await chmod(layout.diwanDir, 0o755);
    await chmod(sitesDirOf(layout), 0o755);
    // Certificates and keys: root's only (nginx's master process reads them as root).
    await mkdir(certsDirOf(layout), { recursive: true });
    await chmod(certsDirOf(layout), 0o700);
    await ensureChallengeDir();
    await write(`${layout.diwanDir}/http.conf`, renderHttp(layout), undo);
    await write(layout.hookFile, renderHook(layout), undo);
  }

  /** Every PHP version's pool file of this site, whichever version it had before. */
  async function poolFiles(id: string): Promise<{ version: string; path: string }[]> {
    let versions: string[];
    try {
      versions = (await readdir(layout.phpDir)).filter((name) => /^\d\.\d$/.test(name));
    } catch {
      return [];
    }
    const found = [];
    for (const version of versions) {
      const path = poolFileOf(layout, version, id);
      if (await exists(path)) found.push({ version, path });
    }
    return found;
  }

  async function ensureSiteUser(site: SiteRecord, root: string, undo: Undo): Promise<OsUser> {
    const name = siteUserOf(site.id);
    const known = await lookupOsUser(name);
    if (known) return known;
    await undo.beforeMaking({ kind: 'user', name });
    await runAction(run, `useradd ${name}`, 'useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      root,
      '--shell',
      '/usr/sbin/nologin',
      '--',
      name,
    ]);
    undo.add(`remove user ${name}`, async () => {
      await runAction(run, `userdel ${name}`, 'userdel', ['--', name]);
    });
    const made = await lookupOsUser(name);
    if (!made) throw new DiwanError('DIWAN_E_HOST_COMMAND', `useradd made no user ${name}`);
    return made;
  }

  /** The site's folder: made with a first page when missing, open to nginx and (PHP) its own user. */
  /** Returns whether it made the folder (and its first page) just now. */
  async function ensureRoot(
    site: SiteRecord,
    root: string,
    owner: OsUser | null,
    undo: Undo,
  ): Promise<boolean> {
    let created = false;
    if (!(await exists(root))) {
      // The topmost folder that does not exist yet is what an undo removes.
      let first = root;
      for (let parent = root.slice(0, root.lastIndexOf('/')); !(await exists(parent));) {
        first = parent;
        parent = parent.slice(0, parent.lastIndexOf('/'));
      }
      await undo.beforeMaking({ kind: 'dir', path: first });
      await mkdir(root, { recursive: true });
      undo.add(`remove ${first}`, () => rm(first, { recursive: true, force: true }));
      // Modes set outright: the process's umask (077 for the agent) must not decide what nginx reads.
      for (let dir = root; dir.length >= first.length; dir = dir.slice(0, dir.lastIndexOf('/'))) {
        await chmod(dir, 0o755);
      }
      const index = `${root}/index.html`;
      await writeFile(index, DEFAULT_INDEX(site.spec.domains[0]!));
      await chmod(index, 0o644);
      if (owner) await chown(index, owner.uid, owner.gid);
      created = true;
    }
    if (owner) {
      // The site's user owns its files; nginx reads them through the group; other sites cannot.
      const nginxUser = await lookupOsUser(layout.nginxUser);
      await chown(root, owner.uid, nginxUser?.gid ?? owner.gid);
      await chmod(root, 0o750);
    }
    return created;
  }

  async function ensurePhpState(site: SiteRecord, owner: OsUser, undo: Undo): Promise<void> {
    const state = phpStateOf(layout, site.id);
    if (await exists(state)) return;
    await undo.beforeMaking({ kind: 'dir', path: state });
    for (const dir of [state, `${state}/tmp`, `${state}/sessions`]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chown(dir, owner.uid, owner.gid);
    }
    undo.add(`remove ${state}`, () => rm(state, { recursive: true, force: true }));
  }

  /**
   * Asks the site until it answers as intended or the deadline passes. With a certificate, HTTPS
   * must present the certificate just written (`serial`), and a site sent to HTTPS must answer 301
   * on port 80.
   */
  async function check(
    site: SiteRecord,
    nonce: string,
    freshRoot: boolean,
    context: OpContext,
    serial: string | null,
  ): Promise<string | null> {
    const host = site.spec.domains[0]!.replace(/^\*\./, 'diwan-check.');
    const deadline = Date.now() + CHECK_DEADLINE_MS;
    let problem = 'nginx does not serve the new configuration';
    const scheme = site.tls ? 'https' : 'http';
    for (;;) {
      try {
        const probe = await ask(layout.httpPort, host, checkPath(nonce));
        let ready = probe.status === 204;
        if (ready && site.tls) {
          const secure = await askTls(layout.httpsPort, host, checkPath(nonce));
          ready = secure.status === 204 && secure.serial === normalSerial(serial ?? '');
          if (secure.status === 204 && !ready)
            problem = `https://${host}/ presents certificate ${secure.serial}, not ${serial}`;
        }
        if (ready && site.tls?.forceHttps) {
          const plain = await ask(layout.httpPort, host, '/');
          if (plain.status !== 301 || !plain.location?.startsWith('https://')) {
            ready = false;
            problem = `http://${host}/ answered ${plain.status}, not 301 to https://`;
          }
        }
        if (ready) {
          const answer = site.tls
            ? await askTls(layout.httpsPort, host, '/')
            : await ask(layout.httpPort, host, '/');
          const verdict = verdictOn(site, answer, freshRoot);
          if (verdict === null) {
            context.emit({
              kind: 'log',
              stream: 'info',
              line: `${scheme}://${host}/ answered ${answer.status}`,
            });
            return site.spec.type === 'proxy' && [502, 504].includes(answer.status)
              ? `nginx serves the site; its upstream does not answer yet (${answer.status})`
              : null;
          }
          problem = `${scheme}://${host}/ ${verdict}`;
        }
      } catch (error) {
        problem = `${scheme}://${host}/: ${(error as Error).message}`;
      }
      if (Date.now() > deadline)
        throw new DiwanError('DIWAN_E_HOST_COMMAND', `The site does not answer as intended: ${problem}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  const acmeMarkOf = (id: string) => `${certsDirOf(layout)}/${id}.acme`;

  /** What the certificate on disk for a site says, or null when there is none. */
  async function certificateOnDisk(id: string): Promise<CertificateInfo | null> {
    const { content } = await readForUpdate(certFileOf(layout, id));
    if (content === null) return null;
    return certificateInfo(parseChain(content.toString('utf8'))[0]!);
  }

  /**
   * A site's certificate files: written (the key 0600) when given, kept when the site keeps HTTPS,
   * removed when it has none. Returns the serial nginx must present, or null.
   */
  async function writeCertificate(
    site: SiteRecord,
    certificate: CustomCertificate | undefined,
    undo: Undo,
    context: OpContext,
  ): Promise<string | null> {
    const certFile = certFileOf(layout, site.id);
    const keyFile = keyFileOf(layout, site.id);
    if (!site.tls) {
      const removedCert = await remove(certFile, undo);
      const removedKey = await remove(keyFile, undo);
      await remove(acmeMarkOf(site.id), undo);
      if (removedCert || removedKey) info(context, 'Removing the certificate: the site answers on HTTP only');
      return null;
    }
    if (certificate) {
      // Checked again here: the agent writes nothing the web tier alone vouched for.
      const certInfo = checkCustomCertificate(certificate, site.spec.domains, new Date());
      info(context, `Writing ${certFile} (serial ${certInfo.serial}, valid until ${certInfo.notAfter})`);
      await write(keyFile, certificate.key.trim() + '\n', undo, { mode: 0o600, uid: 0, gid: 0 });
      await write(certFile, certificate.chain.trim() + '\n', undo, { mode: 0o600, uid: 0, gid: 0 });
      // Which certificates the renewal may replace on its own: those that came from the ACME server.
      if (site.tls.source === 'letsencrypt')
        await write(acmeMarkOf(site.id), `${deps.acme?.directoryUrl ?? ''}\n`, undo, {
          mode: 0o600,
          uid: 0,
          gid: 0,
        });
      else await remove(acmeMarkOf(site.id), undo);
      return certInfo.serial;
    }
    const onDisk = await certificateOnDisk(site.id);
    if (!onDisk || (await readForUpdate(keyFile)).content === null)
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        'tls: the site has no certificate yet: ask for one, or give one',
        'tls',
      );
    return onDisk.serial;
  }

  const info = (context: OpContext, line: string) => context.emit({ kind: 'log', stream: 'info', line });
  const step = (context: OpContext, line: string) => context.emit({ kind: 'log', stream: 'step', line });

  /** Runs a change; on failure undoes it, reloads what was reloaded, and reports both. */
  async function transact(
    context: OpContext,
    work: (undo: Undo, reloads: Set<string>) => Promise<void>,
  ): Promise<void> {
    await mkdir(layout.diwanDir, { recursive: true });
    const undo = new Undo(journalPath);
    const reloads = new Set<string>(); // 'nginx' and PHP versions touched
    try {
      await work(undo, reloads);
      await undo.settle();
    } catch (error) {
      info(context, `Failed: ${(error as Error).message}`);
      info(context, 'Putting every file back as it was');
      const failed = await undo.run();
      for (const server of reloads) {
        try {
          if (server === 'nginx') await deps.nginx.reload();
          else await deps.phpFpm.reload(server);
        } catch (reloadError) {
          failed.push(`reload ${server}: ${(reloadError as Error).message}`);
        }
      }
      if (failed.length > 0) {
        // The journal stays: the next start of the agent tries again.
        throw new DiwanError(
          'DIWAN_E_HOST_COMMAND',
          `${(error as Error).message}. Rolling back also failed: ${failed.join('; ')}`,
        );
      }
      await undo.settle();
      throw error;
    }
  }

  /**
   * At start-up: a change the agent did not finish (it was killed) is undone from the journal,
   * every file put back as it was, and the servers reloaded. Returns the files put back.
   */
  async function recover(): Promise<string[]> {
    return lock.runExclusive(
      async () => {
        let journal: Journal;
        try {
          journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
        } catch {
          return [];
        }
        // Another process in the middle of its change (`diwan site` beside a running panel): not ours.
        if (journal.pid !== process.pid && isAlive(journal.pid)) return [];
        const entries = journal.files;
        for (const entry of [...entries].reverse()) {
          await restore(entry.path, entry.previous === null ? null : Buffer.from(entry.previous, 'base64'));
        }
        await deps.nginx.test();
        await deps.nginx.reload();
        const versions = new Set(
          entries
            .filter((entry) => entry.path.startsWith(`${layout.phpDir}/`))
            .map((entry) => entry.path.slice(layout.phpDir.length + 1).split('/')[0]!),
        );
        for (const version of versions) await deps.phpFpm.reload(version);
        // Once the servers no longer use them (the files that named them are back as they were). Only
        // what a change can make is removed: folders under the web root or PHP's state, site users.
        const removable = (made: Made) =>
          made.kind === 'dir'
            ? [layout.webRoot, layout.phpStateDir].some((top) => made.path.startsWith(`${top}/`)) &&
              !made.path.split('/').includes('..')
            : /^diwan-site-[0-9a-f]{1,12}$/.test(made.name);
        const made = (journal.made ?? []).filter(removable);
        for (const thing of [...made].reverse()) {
          if (thing.kind === 'dir') await rm(thing.path, { recursive: true, force: true });
          else if (await lookupOsUser(thing.name))
            await runAction(run, `userdel ${thing.name}`, 'userdel', ['--', thing.name]);
        }
        await rm(journalPath, { force: true });
        return [
          ...entries.map((entry) => entry.path),
          ...made.map((thing) => (thing.kind === 'dir' ? thing.path : `user ${thing.name}`)),
        ];
      },
      undefined,
      'recovering an unfinished website change',
    );
  }

  /** One change of a site, whole or nothing; the caller holds the lock. */
  async function applySite(
    site: SiteRecord,
    context: OpContext,
    certificate?: CustomCertificate,
  ): Promise<{ root: string | null; note: string | null; certificate: CertificateInfo | null }> {
    const users = site.spec.options.passwordProtection?.users ?? [];
    if (users.some((user) => user.passwordHash === undefined || user.password !== undefined)) {
      // The web tier hashes passwords before anything else sees them; a plain one here is a bug.
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        'options.passwordProtection.users: give each user a passwordHash, never a password',
        'options',
      );
    }
    const root = siteRoot(layout.webRoot, site.spec);
    const nonce = randomBytes(12).toString('hex');
    let note: string | null = null;
    await transact(context, async (undo, reloads) => {
      step(context, 'Write the configuration');
      await ensureBase(undo);
      let owner: OsUser | null = null;
      if (site.spec.type === 'php') {
        owner = await ensureSiteUser(site, root!, undo);
        await ensurePhpState(site, owner, undo);
      }
      const freshRoot = root !== null && (await ensureRoot(site, root, owner, undo));

      // PHP pools: this version's written, any other version's removed (a version change).
      const wanted = site.spec.type === 'php' ? site.spec.phpVersion : null;
      for (const pool of await poolFiles(site.id)) {
        if (pool.version !== wanted && (await remove(pool.path, undo))) reloads.add(pool.version);
      }
      if (wanted !== null) {
        const path = poolFileOf(layout, wanted, site.id);
        info(context, `Writing ${path}`);
        if (await write(path, renderPool(site, { layout, nonce }), undo)) {
          await deps.phpFpm.test(wanted);
          info(context, `php-fpm${wanted} -t: the configuration is valid`);
        }
        reloads.add(wanted);
      }

      // The login's users: readable by nginx's workers (group), no one else.
      const htpasswd = htpasswdFileOf(layout, site.id);
      if (site.spec.options.passwordProtection) {
        await mkdir(`${layout.diwanDir}/htpasswd`, { recursive: true });
        await chmod(`${layout.diwanDir}/htpasswd`, 0o755);
        const nginxGroup = (await lookupOsUser(layout.nginxUser))?.gid ?? 0;
        await write(htpasswd, renderHtpasswd(site), undo, { mode: 0o640, uid: 0, gid: nginxGroup });
      } else {
        await remove(htpasswd, undo);
      }

      const file = siteFileOf(layout, site.id);
      info(context, `Writing ${file}`);
      const serial = await writeCertificate(site, certificate, undo, context);
      const http2Directive = await deps.nginx.http2Directive();
      await write(file, renderSite(site, { layout, nonce, http2Directive }), undo);
      step(context, 'Check the configuration (nginx -t)');
      await deps.nginx.test();
      info(context, 'nginx -t: the configuration is valid');
      await pauseForCrashTest();

      step(context, 'Reload the servers');
      for (const version of [...reloads]) {
        await deps.phpFpm.reload(version);
        info(context, `php-fpm${version} reloaded`);
      }
      reloads.add('nginx');
      await deps.nginx.reload();
      info(context, 'nginx reloaded');
      step(context, 'Ask the site whether it answers as intended');
      note = await check(site, nonce, freshRoot, context, serial);
      if (note) context.emit({ kind: 'log', stream: 'stderr', line: note });
    });
    return { root, note, certificate: site.tls ? await certificateOnDisk(site.id) : null };
  }

  const apply: Handler = async (raw, context) => {
    const { site } = raw as { site: SiteRecord }; // parsed by the dispatcher: defaults filled in
    return lock.runExclusive(() => applySite(site, context), undefined, 'a website change');
  };

  /** A certificate its owner gives: checked, written root-only with the vhost, served, or all undone. */
  const setCertificate: Handler = async (raw, context) => {
    const { site, chain, key } = raw as { site: SiteRecord; chain: string; key: string };
    if (site.tls?.source !== 'custom')
      throw new DiwanError('DIWAN_E_VALIDATION', "site.tls.source: must be 'custom'", 'site.tls.source');
    checkCustomCertificate({ chain, key }, site.spec.domains, new Date());
    return lock.runExclusive(() => applySite(site, context, { chain, key }), undefined, 'a website change');
  };

  /** The ACME account key for a directory: made once, kept root-only. */
  async function accountKey(directoryUrl: string, context: OpContext): Promise<string> {
    const dir = `${layout.diwanDir}/acme/accounts`;
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o700);
    const path = `${dir}/${createHash('sha256').update(directoryUrl).digest('hex').slice(0, 16)}.key`;
    const { content } = await readForUpdate(path);
    if (content !== null) return content.toString('utf8');
    info(context, `Making an ACME account key (${path})`);
    const key = await createAccountKey();
    await writeAtomic(path, key, { expectedVersion: null, mode: 0o600, uid: 0, gid: 0, keepPrevious: false });
    return key;
  }

  /**
   * A certificate from the ACME server (Let's Encrypt) over HTTP-01, then the site applied with it:
   * order → challenges answered from the folder every vhost serves → finalize → write the
   * certificate and key → render → nginx -t → reload → check; on any failure everything goes back
   * and the task says why, in the ACME server's words when it refused. Also renews.
   */
  const issueCertificate: Handler = async (raw, context) => {
    const { site } = raw as { site: SiteRecord };
    const settings = deps.acme;
    if (!settings)
      throw new DiwanError('DIWAN_E_UNAVAILABLE', 'No ACME server is configured (DIWAN_ACME_DIRECTORY)');
    if (site.tls?.source !== 'letsencrypt')
      throw new DiwanError('DIWAN_E_VALIDATION', "site.tls.source: must be 'letsencrypt'", 'site.tls.source');
    const wildcards = site.spec.domains.filter((domain) => domain.startsWith('*.'));
    if (wildcards.length > 0)
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        `domains: ${wildcards.join(', ')}: Let's Encrypt proves wildcard names only through DNS, which Diwan does not manage; give a certificate instead`,
        'domains',
      );
    return lock.runExclusive(
      async () => {
        const issued = await order(settings, site.spec.domains, context);
        const leaf = certificateInfo(parseChain(issued.chain)[0]!);
        info(
          context,
          `Certificate received: serial ${leaf.serial}, issued by ${leaf.issuer}, valid until ${leaf.notAfter}`,
        );
        return applySite(site, context, { chain: issued.chain, key: issued.key });
      },
      undefined,
      'a website change',
    );
  };

  /** Order → challenges → finalize with the ACME server; the caller holds the lock. */
  async function order(settings: AcmeClientOptions, domains: string[], context: OpContext) {
    const challengeDir = await ensureChallengeDir();
    return orderCertificate({
      client: settings,
      accountKey: await accountKey(settings.directoryUrl, context),
      domains,
      log: { step: (line) => step(context, line), info: (line) => info(context, line) },
      answers: {
        async put(token, content) {
          await writeAtomic(`${challengeDir}${token}`, content, {
            expectedVersion: undefined,
            mode: 0o644,
            keepPrevious: false,
          });
        },
        async remove(token) {
          await rm(`${challengeDir}${token}`, { force: true });
        },
        async probe(domain, token, content) {
          try {
            const answer = await fetchText(layout.httpPort, domain, `${ACME_CHALLENGE_PATH}${token}`);
            if (answer.status !== 200) return `it answered ${answer.status}`;
            return answer.body.trim() === content ? null : 'it answered something else';
          } catch (error) {
            return (error as Error).message;
          }
        },
      },
    });
  }

  /**
   * Renews a certificate that came from the ACME server, for the same names, changing nothing but
   * the certificate and its key: new files → nginx -t → reload (graceful: no request is dropped) →
   * HTTPS must present the new serial → or the old files back. Takes only the site's id, so it may
   * run without a user (the daily sweep): it can do nothing but what was asked when the certificate
   * was first issued.
   */
  const renewCertificate: Handler = async (raw, context) => {
    const { id } = raw as { id: string };
    const settings = deps.acme;
    if (!settings)
      throw new DiwanError('DIWAN_E_UNAVAILABLE', 'No ACME server is configured (DIWAN_ACME_DIRECTORY)');
    return lock.runExclusive(
      async () => {
        const current = await certificateOnDisk(id);
        const marked = (await readForUpdate(acmeMarkOf(id))).content !== null;
        if (!current || !marked)
          throw new DiwanError(
            'DIWAN_E_CONFLICT',
            "The site has no certificate from Let's Encrypt to renew",
            'id',
          );
        const vhost = (await readForUpdate(siteFileOf(layout, id))).content?.toString('utf8') ?? '';
        const nonce = /location = \/\.well-known\/diwan-([0-9a-z]+) \{/.exec(vhost)?.[1];
        if (!nonce || !vhost.includes(certFileOf(layout, id)))
          throw new DiwanError(
            'DIWAN_E_CONFLICT',
            "The site's nginx file does not serve its certificate: save the site again",
            'id',
          );
        info(context, `Renewing serial ${current.serial} (valid until ${current.notAfter})`);
        const issued = await order(settings, current.domains, context);
        const leaf = certificateInfo(parseChain(issued.chain)[0]!);
        info(context, `Certificate received: serial ${leaf.serial}, valid until ${leaf.notAfter}`);
        await transact(context, async (undo, reloads) => {
          step(context, 'Write the new certificate');
          await write(keyFileOf(layout, id), issued.key.trim() + '\n', undo, { mode: 0o600, uid: 0, gid: 0 });
          await write(certFileOf(layout, id), issued.chain.trim() + '\n', undo, {
            mode: 0o600,
            uid: 0,
            gid: 0,
          });
          step(context, 'Check the configuration (nginx -t)');
          await deps.nginx.test();
          reloads.add('nginx');
          step(context, 'Reload nginx');
          await deps.nginx.reload();
          step(context, 'Ask the site whether it presents the new certificate');
          const host = current.domains[0]!;
          const deadline = Date.now() + CHECK_DEADLINE_MS;
          for (;;) {
            const answer = await askTls(layout.httpsPort, host, checkPath(nonce)).catch((error: Error) => ({
              status: 0,
              serial: error.message,
            }));
            if (answer.status === 204 && answer.serial === normalSerial(leaf.serial)) break;
            if (Date.now() > deadline)
              throw new DiwanError(
                'DIWAN_E_HOST_COMMAND',
                `https://${host}/ does not present the new certificate (answered ${answer.status}, serial ${answer.serial})`,
              );
            await new Promise((resolve) => setTimeout(resolve, 150));
          }
          info(context, `https://${host}/ presents serial ${leaf.serial}`);
        });
        return { root: null, note: null, certificate: leaf };
      },
      undefined,
      'a website change',
    );
  };

  const removeSite: Handler = async (raw, context) => {
    const { site, keepFiles } = raw as { site: SiteRecord; keepFiles: boolean };
    return lock.runExclusive(
      async () => {
        const root = siteRoot(layout.webRoot, site.spec);
        await transact(context, async (undo, reloads) => {
          if (await remove(siteFileOf(layout, site.id), undo)) reloads.add('nginx');
          await remove(htpasswdFileOf(layout, site.id), undo);
          await remove(certFileOf(layout, site.id), undo);
          await remove(keyFileOf(layout, site.id), undo);
          await remove(acmeMarkOf(site.id), undo);
          for (const pool of await poolFiles(site.id)) {
            if (await remove(pool.path, undo)) reloads.add(pool.version);
          }
          if (reloads.has('nginx')) {
            await deps.nginx.test();
            await deps.nginx.reload();
            info(context, 'nginx no longer serves the site');
          }
          for (const version of reloads) if (version !== 'nginx') await deps.phpFpm.reload(version);
        });
        // Past this point the site is gone from nginx; what follows only tidies up.
        const user = siteUserOf(site.id);
        if (await lookupOsUser(user)) await runAction(run, `userdel ${user}`, 'userdel', ['--', user]);
        await rm(phpStateOf(layout, site.id), { recursive: true, force: true });
        const removedFiles = !keepFiles && root !== null && root.startsWith(`${layout.webRoot}/`);
        if (removedFiles) {
          await rm(root, { recursive: true, force: true });
          info(context, `Removed ${root}`);
        }
        return { removedFiles };
      },
      undefined,
      'a website change',
    );
  };

  const files: Handler = async (raw) => {
    const { id } = raw as AgentInput<'websites.files'>;
    // The certificate chain is public (every visitor gets it); its key is never shown.
    const paths = [
      siteFileOf(layout, id),
      ...(await poolFiles(id)).map((pool) => pool.path),
      certFileOf(layout, id),
    ];
    const found = [];
    for (const path of paths) {
      const { content } = await readForUpdate(path);
      if (content !== null) found.push({ path, content: content.toString('utf8') });
    }
    return { files: found };
  };

  /**
   * What is on disk against what Diwan would write: each site's file is rendered again with the
   * nonce found in it and compared byte for byte (the pool file too). A hand edit shows as
   * `changed`, a deleted file as `missing`, a file of Diwan's directory that no record names as an
   * orphan. Nothing is changed: the user chooses (apply again, or keep the edit).
   */
  const drift: Handler = async (raw) => {
    const { sites } = raw as { sites: SiteRecord[] };
    const results = [];
    for (const site of sites) {
      const file = siteFileOf(layout, site.id);
      const onDisk = (await readForUpdate(file)).content?.toString('utf8') ?? null;
      if (onDisk === null) {
        results.push({ id: site.id, state: 'missing' as const, file });
        continue;
      }
      const nonce = /location = \/\.well-known\/diwan-([0-9a-z]+) \{/.exec(onDisk)?.[1] ?? '';
      const http2Directive = await deps.nginx.http2Directive();
      let same = onDisk === renderSite(site, { layout, nonce, http2Directive });
      if (same && site.spec.type === 'php') {
        const pool = poolFileOf(layout, site.spec.phpVersion, site.id);
        same = (await readForUpdate(pool)).content?.toString('utf8') === renderPool(site, { layout, nonce });
      }
      results.push({ id: site.id, state: same ? ('ok' as const) : ('changed' as const), file });
    }
    const known = new Set(sites.map((site) => `${site.id}.conf`));
    let orphans: string[] = [];
    try {
      orphans = (await readdir(sitesDirOf(layout)))
        .filter((name) => name.endsWith('.conf') && !known.has(name))
        .map((name) => `${sitesDirOf(layout)}/${name}`);
    } catch {
      // no directory yet: no site was ever made
    }
    return { sites: results, orphans };
  };

  const logs: Handler = async (raw) => {
    const { id, kind, lines, search } = raw as {
      id: string;
      kind: 'access' | 'error';
      lines: number;
      search?: string;
    };
    const file = `${layout.logDir}/diwan-${id}.${kind}.log`;
    // The rotated file first, so that the newest line comes last.
    const all = await readLogTail([`${file}.1`, file], search ? MAX_LOG_LINES : lines);
    const needle = search?.toLowerCase();
    const kept = needle ? all.filter((line) => line.toLowerCase().includes(needle)) : all;
    return { file, lines: kept.slice(-lines) };
  };

  const logFollow: Handler = async (raw) => {
    const { id, kind, offset } = raw as { id: string; kind: 'access' | 'error'; offset: number | null };
    const file = `${layout.logDir}/diwan-${id}.${kind}.log`;
    if (offset !== null) return readLogSince(file, offset);
    // Where the file ends now, then its last lines: a line written in between shows twice at worst.
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    return { offset: size, lines: await readLogTail([file], 100) };
  };

  return {
    apply,
    setCertificate,
    issueCertificate,
    renewCertificate,
    remove: removeSite,
    files,
    drift,
    recover,
    logs,
    logFollow,
  };
}

/** The websites operations on this host's nginx and PHP-FPM: the agent's, and `diwan site`'s. */
export function createHostWebsitesOps(
  layout: WebsitesConfig,
  services: ServiceManager = createServiceManager(),
  acme?: AcmeClientOptions,
) {
  return createWebsitesOps({
    layout,
    nginx: createNginx(layout, services),
    phpFpm: createPhpFpm(layout, services),
    ...(acme ? { acme } : {}),
  });
}
