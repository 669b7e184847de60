import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export interface Started {
  child: ChildProcess;
  /** Milliseconds from spawn to the first 200 from `readyPath`. */
  startupMs: number;
}

/**
 * Pins this process (the load generator) to core 0 and returns the core servers should run on, so
 * that client and server do not compete for one core. With a single core, or without taskset,
 * nothing is pinned (server null).
 */
export function pinToCore(): { server: number | null } {
  const cores = availableParallelism();
  if (cores < 2) return { server: null };
  try {
    execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
    return { server: cores - 1 };
  } catch {
    return { server: null };
  }
}

/** Spawns `node args…` (on `core`, if given) and polls `url` every 5 ms until it answers 200 (or 20 s pass). */
export async function startAndWait(
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
  core: number | null = null,
): Promise<Started> {
  const started = performance.now();
  const [file, argv] =
    core === null ? [process.execPath, args] : ['taskset', ['-c', String(core), process.execPath, ...args]];
  const child = spawn(file, argv, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = started + 20_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return { child, startupMs: performance.now() - started };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not answer ${url} within 20 s`);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** Resident set size of a process, in MB, from /proc. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'MISSES target';
}

/** The environment of a production-mode Diwan under bench: dist/, a throwaway data dir, a port. */
export function productionEnv(
  dataDir: string,
  port: number,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DIWAN_USE_DIST: '1',
    DIWAN_ENV: 'production',
    DIWAN_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    DIWAN_DATA_DIR: dataDir,
    DIWAN_PORT: String(port),
    ...extra,
  };
}
