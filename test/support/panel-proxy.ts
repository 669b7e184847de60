import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderPanelProxy, renderUpstream, type Color } from '../../src/agent/deploy/panel-proxy.js';
import { freePort } from './cli.js';

/**
 * The machine's real nginx with deploy/nginx/diwan.conf rendered for loopback ports, in a private
 * prefix (its own main file, pid, logs, temp dirs, a self-signed certificate made with openssl): the
 * host's /etc/nginx is never read or touched, and stop() ends it by its PID.
 */
export interface PanelProxy {
  dir: string;
  nginxConf: string;
  upstreamFile: string;
  httpPort: number;
  httpsPort: number;
  /** An HTTPS request through the proxy, on a fresh connection. */
  https(path: string, options?: ProxyRequestOptions): Promise<ProxyAnswer>;
  /** A plain HTTP request to the proxy's port 80 equivalent. */
  http(path: string, options?: ProxyRequestOptions): Promise<ProxyAnswer>;
  errorLog(): string;
  stop(): void;
}

export interface ProxyRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client's source address (any of 127.0.0.0/8 on Linux). */
  localAddress?: string;
}

export interface ProxyAnswer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
  /** Header names as sent, lower-cased, once per occurrence. */
  rawNames: string[];
  tlsProtocol: string | null;
}

export async function startPanelProxy(options: {
  color: Color;
  ports: Record<Color, number>;
  generalRate?: number;
  generalBurst?: number;
  bodyLimit?: number;
}): Promise<PanelProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'diwan-panel-proxy-'));
  chmodSync(dir, 0o755); // nginx's workers (nobody) keep their temporary files under it
  const httpPort = await freePort();
  const httpsPort = await freePort();
  for (const sub of ['log', 'tmp', 'acme', 'upstream']) mkdirSync(join(dir, sub));
  const certificate = join(dir, 'panel.crt');
  const certificateKey = join(dir, 'panel.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      certificateKey,
      '-out',
      certificate,
      '-days',
      '2',
      '-subj',
      '/CN=panel.test',
      '-addext',
      'subjectAltName=DNS:panel.test,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const upstreamFile = join(dir, 'upstream', 'upstream.conf');
  writeFileSync(upstreamFile, renderUpstream(options.color, options.ports[options.color]));
  writeFileSync(
    join(dir, 'panel.conf'),
    renderPanelProxy({
      serverNames: ['panel.test'],
      certificate,
      certificateKey,
      listen: ['127.0.0.1'],
      httpPort,
      httpsPort,
      upstreamFile,
      acmeRoot: join(dir, 'acme'),
      ...(options.generalRate ? { generalRate: options.generalRate } : {}),
      ...(options.generalBurst ? { generalBurst: options.generalBurst } : {}),
      ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    }),
  );
  const nginxConf = join(dir, 'nginx.conf');
  writeFileSync(
    nginxConf,
    [
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/log/error.log;`,
      'events { worker_connections 512; }',
      'http {',
      '    include /etc/nginx/mime.types;',
      `    access_log ${dir}/log/access.log;`,
      `    client_body_temp_path ${dir}/tmp/body;`,
      `    proxy_temp_path ${dir}/tmp/proxy;`,
      `    fastcgi_temp_path ${dir}/tmp/fastcgi;`,
      `    uwsgi_temp_path ${dir}/tmp/uwsgi;`,
      `    scgi_temp_path ${dir}/tmp/scgi;`,
      `    include ${dir}/panel.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('/usr/sbin/nginx', ['-e', join(dir, 'log', 'error.log'), '-c', nginxConf]);

  const send =
    (secure: boolean) =>
    (path: string, opts: ProxyRequestOptions = {}): Promise<ProxyAnswer> =>
      new Promise((resolve, reject) => {
        const port = secure ? httpsPort : httpPort;
        const req = (secure ? request : httpRequest)(
          {
            host: '127.0.0.1',
            port,
            path,
            method: opts.method ?? 'GET',
            headers: { host: `127.0.0.1:${port}`, ...opts.headers },
            agent: false,
            ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
            ...(secure ? { rejectUnauthorized: false, servername: 'panel.test' } : {}),
          },
          (res) => {
            const tlsProtocol = (res.socket as { getProtocol?: () => string | null }).getProtocol?.() ?? null;
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                body,
                headers: res.headers,
                rawNames: res.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()),
                tlsProtocol,
              });
            });
          },
        );
        req.on('error', reject);
        req.end(opts.body);
      });

  return {
    dir,
    nginxConf,
    upstreamFile,
    httpPort,
    httpsPort,
    https: send(true),
    http: send(false),
    errorLog: () => readFileSync(join(dir, 'log', 'error.log'), 'utf8'),
    stop() {
      const pidFile = join(dir, 'nginx.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
