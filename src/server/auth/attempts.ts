import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { dialectOf } from '../db/dialect.js';

/**
 * Login attempts for lockouts, per address (`ip:…`) and per username (`user:…`): at most `max`
 * attempts within `windowMs`; the next one locks the key for `lockMs`. An attempt is reserved
 * BEFORE the password is checked, with an atomic increment, so that concurrent guesses cannot slip
 * past the limit while the first ones are still being hashed; a successful login resets its keys.
 */
export interface AttemptLimiter {
  /** Milliseconds until the key unlocks, or 0 when it is not locked. */
  lockedFor(key: string): Promise<number>;
  /** Counts an attempt; `allowed` false once the limit is passed, `lockedNow` on the one that locked it. */
  reserve(key: string): Promise<{ allowed: boolean; lockedNow: boolean }>;
  reset(key: string): Promise<void>;
}

export interface LockoutPolicy {
  max: number;
  windowMs: number;
  lockMs: number;
}

export const defaultLockoutPolicy: LockoutPolicy = { max: 5, windowMs: 5 * 60_000, lockMs: 15 * 60_000 };

/**
 * The key of a client address. An IPv6 client usually holds a whole /64, so it counts as one; an
 * IPv4-mapped address counts as its IPv4 form.
 */
export function addressKey(ip: string): string {
  const plain = ip.split('%')[0]!;
  const mapped = plain.toLowerCase().startsWith('::ffff:') ? plain.slice(7) : plain;
  if (isIP(mapped) === 4) return `ip:${mapped}`;
  if (isIP(plain) !== 6) return `ip:${plain}`;
  const [head = '', tail] = plain.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `ip:${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The limiter over the panel database (shared by every web instance, cleared by `diwan user unlock`). */
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
    async reserve(rawKey) {
      const key = rawKey.slice(0, 128);
      const at = now();
      // Every username tried leaves a row: now and then, forget the ones long out of their window.
      if (Math.random() < 0.01) {
        await db
          .deleteFrom('login_throttle')
          .where('window_start', '<', at - 24 * 3_600_000)
          .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', at)]))
          .execute();
      }
      const insert = db
        .insertInto('login_throttle')
        .values({ key, window_start: at, failures: 0, locked_until: null });
      await (
        dialectOf(db) === 'mysql' ? insert.ignore() : insert.onConflict((c) => c.column('key').doNothing())
      ).execute();
      // A window that has run out (and no lock in force) starts again.
      await db
        .updateTable('login_throttle')
        .set({ failures: 0, window_start: at })
        .where('key', '=', key)
        .where('window_start', '<=', at - policy.windowMs)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
        .execute();
      await db
        .updateTable('login_throttle')
        .set((eb) => ({ failures: eb('failures', '+', 1) }))
        .where('key', '=', key)
        .execute();
      const current = await row(key);
      const count = current?.failures ?? 1;
      if (count <= policy.max) return { allowed: true, lockedNow: false };
      const lockedNow = count === policy.max + 1;
      if (lockedNow) {
        await db
          .updateTable('login_throttle')
          .set({ locked_until: at + policy.lockMs })
          .where('key', '=', key)
          .execute();
      }
      return { allowed: false, lockedNow };
    },
    async reset(key) {
      await db.deleteFrom('login_throttle').where('key', '=', key.slice(0, 128)).execute();
    },
  };
}
