import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli.js';

/**
 * Debian's pebble (a test ACME server) and pebble-challtestsrv (its DNS), started here on loopback
 * ports and stopped by PID. Every name resolves to 127.0.0.1, and pebble validates HTTP-01 on the
 * port given (the private nginx's): so a certificate is issued only if nginx really serves the
 * challenge answer. Pebble's own API is HTTPS with a certificate made here, which the client must
 * trust (`apiCa`); the certificates it issues chain to a root served at its management port.
 */
export interface Pebble {
  directoryUrl: string;
  /** The CA of pebble's API (its own self-signed certificate). */
  apiCa: string;
  /** The root that pebble's issued certificates chain to. */
  issuingRoot(): Promise<string>;
  /** Makes the DNS answer SERVFAIL for a name (the validation then fails), or stop doing so. */
  servfail(host: string, on: boolean): Promise<void>;
  stop(): void;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function post(port: number, path: string, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export async function startPebble(httpPort: number): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'diwan-pebble-'));
  const cert = join(dir, 'api.crt');
  const key = join(dir, 'api.key');
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
      '2',
      '-subj',
      '/CN=pebble',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const [listen, management, dns, dnsManagement, tlsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: cert,
        privateKey: key,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const children: ChildProcess[] = [];
  const start = (file: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    children.push(child);
    return () => stderr;
  };
  start('/usr/bin/pebble-challtestsrv', [
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
    '-dns01',
    `127.0.0.1:${dns}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${dnsManagement}`,
  ]);
  const pebbleLog = start(
    '/usr/bin/pebble',
    ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dns}`],
    {
      // No random pauses before validation, no random nonce refusals, and a fresh challenge for
      // every order (a renewal must prove again that nginx serves the answer).
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    },
  );
  const apiCa = readFileSync(cert, 'utf8');
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  const stop = () => {
    for (const child of children)
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await get(directoryUrl, apiCa).catch(() => null);
    const dnsUp = await post(dnsManagement, '/clear-a', { host: 'diwan-probe.test' }).catch(() => 0);
    if (answer?.status === 200 && dnsUp === 200) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`pebble did not start: ${pebbleLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    directoryUrl,
    apiCa,
    async issuingRoot() {
      const answer = await get(`https://127.0.0.1:${management}/roots/0`, apiCa);
      if (answer.status !== 200) throw new Error(`pebble's root: ${answer.status}`);
      return answer.body;
    },
    async servfail(host, on) {
      const status = await post(dnsManagement, on ? '/set-servfail' : '/clear-servfail', { host });
      if (status !== 200) throw new Error(`pebble-challtestsrv servfail ${host}: ${status}`);
    },
    stop,
  };
}
