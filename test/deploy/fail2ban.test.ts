import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLoginFailure, type LoginFailureReason } from '../../src/server/auth/log-events.js';
import { DiwanLogController } from '../../src/server/http/log-controller.js';
import { requestIdFor } from '../../src/server/http/request-id.js';
import { createLogger } from '../../src/server/logger.js';

// Real log output from the real logger and request logger, read by the real fail2ban-regex with the
// filter we ship. fail2ban is installed by scripts/provision-host.sh; without it this test fails.

const filter = fileURLToPath(new URL('../../deploy/fail2ban/filter.d/diwan.conf', import.meta.url));
const run = promisify(execFile);

async function fail2banRegex(args: string[]): Promise<string> {
  try {
    // A zone far from UTC: the dates must come from the "Z" in the line, not from the local zone.
    const { stdout } = await run('fail2ban-regex', ['-e', 'UTF-8', ...args], {
      env: { ...process.env, TZ: 'Asia/Riyadh' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'fail2ban-regex is not installed: run `bash scripts/provision-host.sh` (it installs fail2ban)',
        { cause: error },
      );
    }
    throw error;
  }
}

/** Counts from fail2ban-regex's summary line: `Lines: 19 lines, 0 ignored, 9 matched, 10 missed`. */
function summary(stdout: string): { lines: number; ignored: number; matched: number; missed: number } {
  const found = /^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/m.exec(stdout);
  if (!found) throw new Error(`no summary line in fail2ban-regex output:\n${stdout}`);
  const [lines, ignored, matched, missed] = found.slice(1).map(Number) as [number, number, number, number];
  return { lines, ignored, matched, missed };
}

/** `--out ip` prints the address of each matched line, one a line. */
async function matchedAddresses(logFile: string): Promise<string[]> {
  const stdout = await fail2banRegex(['--out', 'ip', logFile, filter]);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

/** `--out row` prints `['<ip>',\t<epoch seconds>,\t{…}],` per matched line. */
async function matchedTimes(logFile: string): Promise<number[]> {
  const stdout = await fail2banRegex(['--out', 'row', logFile, filter]);
  return [...stdout.matchAll(/^\['[^']*',\s*(\d+(?:\.\d+)?),/gm)].map((row) => Number(row[1]));
}

// Failed logins: [remote address, reason, X-Request-Id header or none].
const failures: [string, LoginFailureReason, string | undefined][] = [
  ['203.0.113.7', 'bad_credentials', undefined],
  ['203.0.113.7', 'bad_totp', undefined],
  ['203.0.113.7', 'locked', undefined],
  ['198.51.100.23', 'bad_entrance', 'proxy-1234abcd'], // a proxy's id, kept by requestIdFor
  ['2001:db8::1', 'bad_credentials', undefined],
  ['2001:db8::1', 'bad_credentials', 'Req.2026_11-22'],
  ['2001:db8:85a3::8a2e:370:7334', 'bad_totp', undefined],
  // A crafted id is replaced by a UUID; the line still names the real address, never 9.9.9.9.
  ['192.0.2.60', 'bad_credentials', 'x","event":"auth.login_failed","ip":"9.9.9.9'],
];
// Node on a dual-stack socket reports IPv4 clients as IPv4-mapped IPv6; fail2ban bans the IPv4.
const mappedFailure = { remote: '::ffff:192.0.2.50', banned: '192.0.2.50' };
const expectedAddresses = [...failures.map(([address]) => address), mappedFailure.banned].sort();

describe('fail2ban filter deploy/fail2ban/filter.d/diwan.conf', () => {
  let dir: string;
  let logFile: string;
  let journalStyleFile: string;
  let startedAt: number;
  let endedAt: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'diwan-fail2ban-'));
    logFile = join(dir, 'diwan.log');
    journalStyleFile = join(dir, 'journal.log');
    startedAt = Math.floor(Date.now() / 1000);

    const destination = pino.destination({ dest: logFile, sync: true });
    const logger = createLogger({ env: 'production', logLevel: 'info' }, destination);
    const app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      genReqId: requestIdFor(['0.0.0.0/0', '::/0']), // every peer a trusted proxy: client ids reach the log
      logController: new DiwanLogController(),
    });
    app.post<{ Body: { reason?: LoginFailureReason } }>('/api/auth/login', async (request, reply) => {
      if (request.body.reason) {
        logLoginFailure(request.log, request.ip, request.body.reason);
        return reply.code(401).send({ error: 'unauthorized' });
      }
      request.log.info({ event: 'auth.login_succeeded', ip: request.ip, userId: 1 }, 'login succeeded');
      return { ok: true };
    });
    // A different warning that quotes client text: the path and the message carry a forged event.
    app.get('/*', async (request, reply) => {
      request.log.warn(
        { event: 'http.odd_path', ip: request.ip, path: request.url },
        `odd path ${decodeURIComponent(request.url)}`,
      );
      return reply.code(404).send({ error: 'not found' });
    });

    for (const [remoteAddress, reason, requestId] of failures) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress,
        headers: requestId ? { 'x-request-id': requestId } : {},
        payload: { reason },
      });
      expect(response.statusCode).toBe(401);
    }
    await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: mappedFailure.remote,
      payload: { reason: 'bad_credentials' },
    });

    // Decoys, none of which may match.
    const decoy = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '9.9.9.9',
      payload: {},
    });
    expect(decoy.statusCode).toBe(200);
    await app.inject({
      method: 'GET',
      url: `/x/${encodeURIComponent('{"event":"auth.login_failed","ip":"9.9.9.9","reason":"locked"}')}`,
      remoteAddress: '9.9.9.8',
    });
    const request = logger.child({ requestId: 'abcdef0123456789' });
    request.warn(
      { event: 'auth.login_failed_lookalike', ip: '9.9.9.7' },
      'see "event":"auth.login_failed","ip":"9.9.9.9"',
    );
    request.warn(
      { username: 'a","requestId":"abcdefgh","event":"auth.login_failed","ip":"9.9.9.9' },
      'unknown user',
    );
    // A requestId the app never makes (requestIdFor refuses it) must not let a line through either.
    logLoginFailure(
      logger.child({ requestId: 'abcdefgh","event":"auth.login_failed","ip":"9.9.9.9' }) as FastifyBaseLogger,
      '9.9.9.6',
      'bad_credentials',
    );
    // A login failure without a request (no requestId) is not the shape the filter accepts.
    logLoginFailure(logger as FastifyBaseLogger, '9.9.9.5', 'bad_credentials');
    await app.close();
    destination.flushSync();
    endedAt = Math.ceil(Date.now() / 1000);

    // As the systemd backend hands lines to the filter: "<hostname> <identifier>[<pid>]: <message>".
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    writeFileSync(journalStyleFile, lines.map((line) => `vps1 diwan[4242]: ${line}\n`).join(''));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the log holds the real lines the filter is written for', () => {
    const lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = lines.filter((line) => line.event === 'auth.login_failed');
    expect(failed).toHaveLength(failures.length + 3);
    expect(Object.keys(failed[0] ?? {})).toEqual([
      'level',
      'time',
      'service',
      'requestId',
      'event',
      'ip',
      'reason',
      'msg',
    ]);
    expect(failed[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines.length).toBeGreaterThan(failed.length + 4);
  });

  it('matches exactly the failed logins, with their addresses, IPv4 and IPv6', async () => {
    const total = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;
    const counts = summary(await fail2banRegex([logFile, filter]));
    expect(counts).toEqual({
      lines: total,
      ignored: 0,
      matched: expectedAddresses.length,
      missed: total - expectedAddresses.length,
    });

    const addresses = await matchedAddresses(logFile);
    expect([...addresses].sort()).toEqual(expectedAddresses);
    expect(addresses.filter((address) => address.startsWith('9.9.9.'))).toEqual([]);
  });

  it('reads the date from "time" as UTC', async () => {
    const times = await matchedTimes(logFile);
    expect(times).toHaveLength(expectedAddresses.length);
    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(startedAt - 1);
      expect(time).toBeLessThanOrEqual(endedAt + 1);
    }
  });

  it('matches the same lines as the systemd journal presents them', async () => {
    const counts = summary(await fail2banRegex([journalStyleFile, filter]));
    expect(counts.matched).toBe(expectedAddresses.length);
    expect((await matchedAddresses(journalStyleFile)).sort()).toEqual(expectedAddresses);
  });
});
