import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianWebsites } from '../../src/server/config/load.js';
import type { WebsitesConfig } from '../../src/server/config/types.js';
import { freePort } from './cli.js';

/**
 * The machine's real nginx and php8.2-fpm, each started with a configuration of its own in a
 * temporary directory: the host's /etc/nginx and /etc/php are never touched, and whoever starts
 * them stops them by PID. The layout points Diwan's websites module at them.
 */
export interface PrivateWebServers {
  dir: string;
  layout: WebsitesConfig;
  /** A request to this nginx with a site's Host, on a fresh connection. */
  visit(host: string, path?: string, headers?: Record<string, string>): Promise<NginxAnswer>;
  stop(): void;
}

/** A GET to nginx on loopback with a site's Host, on a fresh connection (no kept-alive worker). */
export interface NginxAnswer {
  status: number;
  body: string;
  location?: string;
  headers: Record<string, string | string[] | undefined>;
}

export function visitNginx(
  port: number,
  host: string,
  path = '/',
  headers: Record<string, string> = {},
): Promise<NginxAnswer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, headers: { ...headers, host }, agent: false };
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, location: res.headers.location, headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export async function startPrivateWebServers(prefix = 'diwan-websites-'): Promise<PrivateWebServers> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // nginx's workers (www-data) walk down to the web root
  const port = await freePort();
  const httpsPort = await freePort();
  const nginx = join(dir, 'nginx');
  const php = join(dir, 'php', '8.2', 'fpm');
  const layout: WebsitesConfig = {
    ...debianWebsites(join(dir, 'www')),
    nginxConf: join(nginx, 'nginx.conf'),
    diwanDir: join(nginx, 'diwan'),
    hookFile: join(nginx, 'conf.d', 'diwan.conf'),
    httpPort: port,
    httpsPort,
    logDir: join(nginx, 'log'),
    phpDir: join(dir, 'php'),
    phpRunDir: join(dir, 'php', 'run'),
    phpStateDir: join(dir, 'php', 'state'),
  };
  mkdirSync(layout.webRoot, { recursive: true, mode: 0o755 });
  for (const sub of ['conf.d', 'log', 'tmp']) mkdirSync(join(nginx, sub), { recursive: true });
  writeFileSync(
    layout.nginxConf,
    [
      'user www-data;',
      'worker_processes 1;',
      `pid ${nginx}/nginx.pid;`,
      `error_log ${nginx}/log/error.log;`,
      'events { worker_connections 256; }',
      'http {',
      '    include /etc/nginx/mime.types;',
      `    client_body_temp_path ${nginx}/tmp/body;`,
      `    proxy_temp_path ${nginx}/tmp/proxy;`,
      `    fastcgi_temp_path ${nginx}/tmp/fastcgi;`,
      `    uwsgi_temp_path ${nginx}/tmp/uwsgi;`,
      `    scgi_temp_path ${nginx}/tmp/scgi;`,
      // What a visitor gets for a name no site has: else nginx's default server is the first site.
      `    server { listen ${port} default_server; return 444; }`,
      // The HTTPS port is held from the start (another process could otherwise take the free port
      // before the first site with a certificate makes nginx bind it); unknown names get no TLS.
      `    server { listen ${httpsPort} ssl default_server; ssl_reject_handshake on; }`,
      `    include ${nginx}/conf.d/*.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  mkdirSync(join(php, 'pool.d'), { recursive: true });
  mkdirSync(layout.phpRunDir, { recursive: true });
  writeFileSync(
    join(php, 'php-fpm.conf'),
    [
      '[global]',
      `pid = ${dir}/php/fpm.pid`,
      `error_log = ${dir}/php/fpm.log`,
      'daemonize = yes',
      `include = ${php}/pool.d/*.conf`,
      // php-fpm refuses to start without a pool: one that no site uses.
      '[base]',
      'user = www-data',
      'group = www-data',
      `listen = ${layout.phpRunDir}/base.sock`,
      'pm = ondemand',
      'pm.max_children = 1',
      '',
    ].join('\n'),
  );
  execFileSync('/usr/sbin/nginx', ['-c', layout.nginxConf]);
  execFileSync('/usr/sbin/php-fpm8.2', ['-y', join(php, 'php-fpm.conf')]);

  return {
    dir,
    layout,
    visit: (host, path = '/', headers = {}) => visitNginx(port, host, path, headers),
    stop() {
      for (const pidFile of [join(nginx, 'nginx.pid'), join(dir, 'php', 'fpm.pid')]) {
        if (!existsSync(pidFile)) continue;
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
        } catch (error) {
          // Gone already (it exited, or a test stopped it): what stop() wants.
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
