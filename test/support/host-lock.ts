import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock, across the suite's worker processes, on a service of this host that more than one test
 * file stops, starts or reconfigures (the host's nginx: services.test and sites-cli.test). Vitest
 * runs files in parallel; without it one file stopped nginx while the other started it (CI, stop 10).
 * The lock is a listening abstract Unix socket: only one process can hold the name, the kernel frees
 * it when that process dies, and there is no file to leave behind or to plant.
 */
export const HOST_LOCK_TIMEOUT_MS = 150_000;

export async function lockHostService(name: string, timeoutMs = HOST_LOCK_TIMEOUT_MS): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = await listen(`\0diwan-test-lock-${name}`);
    if (server) return () => server.close();
    if (Date.now() > deadline) throw new Error(`the host's ${name} is still locked after ${timeoutMs} ms`);
    await sleep(200);
  }
}

function listen(path: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(null) : reject(error),
    );
    server.listen(path, () => resolve(server));
  });
}
