import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock, across the suite's worker processes, on a service of this host that more than one test
 * file stops, starts or reconfigures (the host's nginx: services.test and sites-cli.test). Vitest
 * runs files in parallel; without it one file stopped nginx while the other started it (CI, stop 10).
 * The lock is a file holding the owner's pid, taken with O_EXCL; a lock whose owner died is taken over.
 */
export async function lockHostService(name: string, timeoutMs = 180_000): Promise<() => void> {
  const dir = join(tmpdir(), 'diwan-test-locks');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (ownerOf(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(path);
    if (owner !== null && !alive(owner)) rmSync(path, { force: true });
    else if (Date.now() > deadline)
      throw new Error(`host ${name} still locked by pid ${owner} after ${timeoutMs} ms`);
    else await sleep(200);
  }
}

function ownerOf(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
