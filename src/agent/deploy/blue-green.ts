import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAtomic } from '../system/atomic-write.js';
import { ExecError, run } from '../system/exec.js';
import { activeColorOf, otherColor, renderUpstream, type Color } from './panel-proxy.js';

/**
 * Zero-downtime upgrades of the web tier: two instances, blue and green, on two loopback ports, and
 * nginx's upstream naming the one that takes traffic. A switch starts the idle color, waits for its
 * /readyz, points the upstream at it (atomic write, `nginx -t`, reload; the old bytes back on any
 * failure), lets the old one drain, and stops it. A new instance that never becomes ready changes
 * nothing: the old one keeps serving and the upstream file is not written.
 */

/** Starts and stops a color's web tier: systemd's diwan@<color>.service in production. */
/** The upstream file is replaced whole (nginx reads the old or the new one, never half); its old bytes are kept by the caller. */
const REPLACE = { expectedVersion: undefined, mode: 0o644, keepPrevious: false } as const;

export interface InstanceControl {
  start(color: Color): Promise<void>;
  stop(color: Color): Promise<void>;
}

export interface BlueGreenOptions {
  /** The include file holding `upstream diwan_panel { … }`. */
  upstreamFile: string;
  nginxBinary: string;
  /** nginx's main configuration, for `nginx -t` and the reload. */
  nginxConf: string;
  ports: Record<Color, number>;
  /** Where the instances listen (the upstream's address too). */
  host: string;
  instances: InstanceControl;
  /** How long the new instance has to answer /readyz 200. */
  readyTimeoutMs: number;
  /** How long the old instance keeps serving after the reload, for requests already on their way. */
  drainMs: number;
  log: (line: string) => void;
}

export class SwitchError extends Error {
  override readonly name = 'SwitchError';
}

const NGINX_TIMEOUT_MS = 30_000;

/** Switches traffic to `target`. Resolves with the color that served before (null on a first switch). */
export async function switchTo(target: Color, options: BlueGreenOptions): Promise<{ from: Color | null }> {
  const release = await lock(options.upstreamFile);
  try {
    let previous: Buffer;
    try {
      previous = await readFile(options.upstreamFile);
    } catch (error) {
      throw new SwitchError(
        `cannot read ${options.upstreamFile} (${(error as NodeJS.ErrnoException).code}): write it first with diwan deploy nginx`,
      );
    }
    const from = activeColorOf(previous.toString('utf8'));
    if (from === target) throw new SwitchError(`${target} already takes the traffic`);

    options.log(`Starting ${target} on port ${options.ports[target]}`);
    try {
      await options.instances.start(target);
    } catch (error) {
      await stopQuietly(target, options);
      throw new SwitchError(`${target} did not start: ${(error as Error).message}`);
    }
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.ports[target]}/readyz`;
    if (!(await waitReady(url, options.readyTimeoutMs))) {
      await stopQuietly(target, options);
      throw new SwitchError(
        `${target} did not answer ${url} with 200 within ${options.readyTimeoutMs} ms: stopped it, ${from ?? 'the old instance'} still serves, nginx unchanged`,
      );
    }
    options.log(`${target} is ready; switching nginx's upstream`);

    await writeAtomic(
      options.upstreamFile,
      renderUpstream(target, options.ports[target], options.host),
      REPLACE,
    );
    try {
      await nginx(options, ['-t']);
      await nginx(options, ['-s', 'reload']);
    } catch (error) {
      await writeAtomic(options.upstreamFile, previous, REPLACE);
      // The reload may have failed after nginx read the new file: make it read the old one again.
      await nginx(options, ['-s', 'reload']).catch(() => undefined);
      await stopQuietly(target, options);
      throw new SwitchError(`nginx refused the switch, the previous upstream is back: ${messageOf(error)}`);
    }

    if (from !== null) {
      options.log(`Draining ${from} for ${options.drainMs} ms`);
      await sleep(options.drainMs);
      options.log(`Stopping ${from}`);
      await options.instances.stop(from);
    }
    options.log(`${target} takes the traffic`);
    return { from };
  } finally {
    await release();
  }
}

/** Switches back to the color that served before the last switch (its instance is started again). */
export async function rollback(options: BlueGreenOptions): Promise<{ to: Color }> {
  const active = activeColorOf(await readFile(options.upstreamFile, 'utf8'));
  if (active === null) throw new SwitchError(`${options.upstreamFile} names no active color`);
  const to = otherColor(active);
  await switchTo(to, options);
  return { to };
}

/** Polls `url` until it answers 200 or the time is up. */
export async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return false;
}

async function nginx(options: BlueGreenOptions, args: string[]): Promise<void> {
  await run(options.nginxBinary, ['-c', options.nginxConf, ...args], { timeoutMs: NGINX_TIMEOUT_MS });
}

async function stopQuietly(color: Color, options: BlueGreenOptions): Promise<void> {
  try {
    await options.instances.stop(color);
  } catch (error) {
    options.log(`could not stop ${color}: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof ExecError ? error.stderr.trim() || error.message : (error as Error).message;
}

/** One switch at a time: a lock file next to the upstream file, made exclusively. */
async function lock(upstreamFile: string): Promise<() => Promise<void>> {
  const path = `${upstreamFile}.lock`;
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new SwitchError(`another switch is running (${path}; remove it if none is)`);
    throw error;
  }
  return () => rm(path, { force: true });
}

/** diwan@<color>.service: enabled and started, or disabled and stopped, so that a reboot agrees. */
export function systemdInstances(): InstanceControl {
  const systemctl = (args: string[]) => run('systemctl', args, { timeoutMs: 120_000 }).then(() => undefined);
  return {
    start: (color) => systemctl(['enable', '--now', '--', `diwan@${color}.service`]),
    stop: (color) => systemctl(['disable', '--now', '--', `diwan@${color}.service`]),
  };
}
