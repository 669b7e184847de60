import { Mutex } from './mutex.js';

/** What every package backend shares at run time (kept apart from packages.ts to avoid an import cycle). */

export const DEFAULT_PACKAGE_TIMEOUT_MS = 20 * 60_000;

/**
 * Package operations in this process run one at a time, whichever PackageManager object started
 * them: apt's and dnf's own locks only keep other processes out, and a second caller would fail or
 * wait without a place in a queue.
 */
export const packageOperations = new Mutex();

/** Time left for the next step of an operation that has one overall timeout. */
export function remainingMs(deadline: number): number {
  return Math.max(deadline - Date.now(), 1);
}
