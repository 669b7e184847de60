import { readdir, readFile } from 'node:fs/promises';
import type { WebsitesConfig } from '../../server/config/types.js';
import { run } from './exec.js';
import { runAction, type Runner } from './host-command.js';
import type { ServiceManager } from './services.js';

/**
 * nginx and PHP-FPM as the websites module drives them: check a configuration, then reload, and
 * start the server when it does not run yet. The host's own instance is started through the init
 * system; an instance with its own configuration (tests) is started directly.
 */

const CHECK_TIMEOUT_MS = 30_000;

/** The pid a server wrote into its pid file, when that process still exists. */
async function runningPid(pidFile: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** The processes whose parent is `pid`, from /proc. */
async function childrenOf(pid: number): Promise<Set<number>> {
  const children = new Set<number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

const RELOAD_WAIT_MS = 5_000;

/** `nginx version: nginx/1.22.1` → false; 1.25.1 and later → true. */
export function nginxTakesHttp2Directive(versionText: string): boolean {
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  if (!match) return false;
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  return major > 1 || minor > 25 || (minor === 25 && patch >= 1);
}

export function createNginx(layout: WebsitesConfig, services: ServiceManager, runner: Runner = run) {
  const isHostInstance = layout.nginxConf === '/etc/nginx/nginx.conf';

  async function pidFile(): Promise<string> {
    const conf = await readFile(layout.nginxConf, 'utf8');
    return /^\s*pid\s+([^;\s]+);/m.exec(conf)?.[1] ?? '/run/nginx.pid';
  }

  let http2: Promise<boolean> | null = null;

  return {
    /**
     * Whether this nginx takes `http2 on;` (1.25.1 and later) rather than `listen … http2`: asked of
     * `nginx -v` once (it prints its version on stderr).
     */
    http2Directive(): Promise<boolean> {
      http2 ??= runner(layout.nginxBinary, ['-v'], { timeoutMs: CHECK_TIMEOUT_MS })
        .then((result) => nginxTakesHttp2Directive(`${result.stderr}${result.stdout}`))
        .catch(() => false);
      return http2;
    },
    /** `nginx -t`: throws DIWAN_E_HOST_COMMAND with nginx's own message when it refuses. */
    async test(): Promise<void> {
      await runAction(runner, 'nginx -t', layout.nginxBinary, ['-t', '-q', '-c', layout.nginxConf], {
        timeoutMs: CHECK_TIMEOUT_MS,
      });
    },
    /** Reloads the running nginx, or starts it. */
    async reload(): Promise<void> {
      const pid = await runningPid(await pidFile());
      if (pid !== null) {
        // `nginx -s reload` only sends a signal. The master then starts workers on the new
        // configuration and only after that tells the old ones to stop taking connections: the
        // reload is done when the old workers are gone (or, if long connections such as
        // WebSockets keep them, after a few seconds: they stopped accepting long before).
        const before = await childrenOf(pid);
        await runAction(
          runner,
          'nginx reload',
          layout.nginxBinary,
          ['-s', 'reload', '-c', layout.nginxConf],
          {
            timeoutMs: CHECK_TIMEOUT_MS,
          },
        );
        const deadline = Date.now() + RELOAD_WAIT_MS;
        while (Date.now() < deadline) {
          const now = await childrenOf(pid);
          if (![...before].some((child) => now.has(child))) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } else if (isHostInstance) {
        await services.start('nginx');
      } else {
        await runAction(runner, 'nginx start', layout.nginxBinary, ['-c', layout.nginxConf], {
          timeoutMs: CHECK_TIMEOUT_MS,
        });
      }
    },
  };
}

export function createPhpFpm(layout: WebsitesConfig, services: ServiceManager, runner: Runner = run) {
  const confOf = (version: string) => `${layout.phpDir}/${version}/fpm/php-fpm.conf`;
  const binaryOf = (version: string) => `/usr/sbin/php-fpm${version}`;
  const isHostInstance = layout.phpDir === '/etc/php';

  async function pidFile(version: string): Promise<string> {
    const conf = await readFile(confOf(version), 'utf8');
    const pid = /^\s*pid\s*=\s*(\S+)/m.exec(conf)?.[1] ?? `/run/php/php${version}-fpm.pid`;
    return pid.startsWith('/') ? pid : `/var/${pid}`; // php-fpm's prefix for relative paths
  }

  return {
    async test(version: string): Promise<void> {
      await runAction(runner, `php-fpm${version} -t`, binaryOf(version), ['-t', '-y', confOf(version)], {
        timeoutMs: CHECK_TIMEOUT_MS,
      });
    },
    /** Graceful reload (SIGUSR2: workers finish their requests), or a start when it does not run. */
    async reload(version: string): Promise<void> {
      const pid = await runningPid(await pidFile(version));
      if (pid !== null) {
        process.kill(pid, 'SIGUSR2');
      } else if (isHostInstance) {
        await services.start(`php${version}-fpm`);
      } else {
        await runAction(runner, `php-fpm${version} start`, binaryOf(version), ['-y', confOf(version)], {
          timeoutMs: CHECK_TIMEOUT_MS,
        });
      }
    },
  };
}

export type Nginx = ReturnType<typeof createNginx>;
export type PhpFpm = ReturnType<typeof createPhpFpm>;
