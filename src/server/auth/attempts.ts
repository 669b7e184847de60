import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { upsert } from '../db/upsert.js';

/**
 * Failed-login counting for lockouts: `max` failures within `windowMs` lock a key (an IP or a
 * username) for `lockMs`. The panel uses the database-backed limiter (shared by every web instance,
 * cleared by `diwan user unlock`); the memory one serves tests of the policy alone.
 */
export interface AttemptLimiter {
  /** Milliseconds until the key unlocks, or 0 when it is not locked. */
  lockedFor(key: string): Promise<number>;
  /** Counts a failure; returns true when this failure locked the key. */
  fail(key: string): Promise<boolean>;
  reset(key: string): Promise<void>;
}

export interface LockoutPolicy {
  max: number;
  windowMs: number;
  lockMs: number;
}

export const defaultLockoutPolicy: LockoutPolicy = { max: 5, windowMs: 5 * 60_000, lockMs: 15 * 60_000 };

export function createMemoryAttemptLimiter(policy: LockoutPolicy, now: () => number): AttemptLimiter {
  const failures = new Map<string, number[]>();
  const lockedUntil = new Map<string, number>();
  // Bounded memory under a flood of distinct keys: forget the oldest entries past this many.
  const MAX_KEYS = 50_000;

  function forgetOldest(): void {
    for (const map of [failures, lockedUntil] as Map<string, unknown>[]) {
      while (map.size > MAX_KEYS) map.delete(map.keys().next().value as string);
    }
  }

  return {
    async lockedFor(key) {
      const until = lockedUntil.get(key) ?? 0;
      const left = until - now();
      if (left <= 0 && until !== 0) lockedUntil.delete(key);
      return Math.max(0, left);
    },
    async fail(key) {
      const at = now();
      const recent = (failures.get(key) ?? []).filter((t) => t > at - policy.windowMs);
      recent.push(at);
      failures.delete(key); // re-insert: the map's order is the order of last activity
      if (recent.length >= policy.max) {
        lockedUntil.set(key, at + policy.lockMs);
        forgetOldest();
        return true;
      }
      failures.set(key, recent);
      forgetOldest();
      return false;
    },
    async reset(key) {
      failures.delete(key);
      lockedUntil.delete(key);
    },
  };
}

/**
 * The limiter over the panel database: one row per key, a window that starts at the key's first
 * failure. Costs a write per failed login and a read per login; nothing on other requests.
 */
export function createDbAttemptLimiter(
  db: Kysely<Database>,
  policy: LockoutPolicy,
  now: () => number,
): AttemptLimiter {
  const row = (key: string) =>
    db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
  return {
    async lockedFor(key) {
      const found = await row(key);
      return Math.max(0, (found?.locked_until ?? 0) - now());
    },
    async fail(key) {
      const at = now();
      const found = await row(key);
      const inWindow = found !== undefined && at - found.window_start < policy.windowMs;
      const failures = inWindow ? found.failures + 1 : 1;
      const lock = failures >= policy.max;
      await upsert(
        db,
        'login_throttle',
        {
          key: key.slice(0, 128),
          window_start: inWindow ? found.window_start : at,
          failures: lock ? 0 : failures,
          locked_until: lock ? at + policy.lockMs : (found?.locked_until ?? null),
        },
        ['key'],
        ['window_start', 'failures', 'locked_until'],
      );
      return lock;
    },
    async reset(key) {
      await db.deleteFrom('login_throttle').where('key', '=', key).execute();
    },
  };
}
