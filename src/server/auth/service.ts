import { DiwanError } from '../../contract/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApiToken, Session, User } from '../db/schema.js';
import type { ApiTokensStore } from './api-tokens-store.js';
import { addressKey, defaultLockoutPolicy, type AttemptLimiter } from './attempts.js';
import { verifyPassword } from './passwords.js';
import { ipAllowed } from './ip-allow-list.js';
import type { SessionsStore } from './sessions-store.js';
import { csrfTokenFor, hashToken, newSecretToken, safeEqual } from './tokens.js';
import type { UsersStore } from './users-store.js';
import type { EventBus } from '../events/bus.js';

export interface Principal {
  user: User;
  via: 'session' | 'token';
  scope: 'read' | 'admin';
  sessionId: string | null;
  tokenId: string | null;
  csrfToken: string | null;
}

export interface SessionPolicy {
  idleMs: number;
  lifetimeMs: number;
}

export interface RequestContext {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export interface SecondFactor {
  /** Checks a TOTP or recovery code for a user with 2FA on; true when accepted (and consumed). */
  verify(user: User, input: { totp?: string; recoveryCode?: string }): Promise<boolean>;
}

export interface AuthDeps {
  users: UsersStore;
  sessions: SessionsStore;
  tokens: ApiTokensStore;
  audit: AuditLog;
  limiter: AttemptLimiter;
  secondFactor: SecondFactor;
  secret: string;
  now: () => number;
  sessionPolicy: () => Promise<SessionPolicy>;
  entrance: () => Promise<string>;
  onLoginFailure: (ip: string, reason: 'bad_credentials' | 'bad_totp' | 'locked' | 'bad_entrance') => void;
  /** Tells every web instance (this one included) which cached credentials to forget. */
  events: EventBus;
  /**
   * The agent's view: no cache (a revocation applies to the very next call) and no writes (it only
   * reads the panel database). The web tier keeps both.
   */
  verifyOnly?: boolean;
}

/** A credential was presented but is not (or no longer) good: 401, never a 404. */
export const INVALID = Symbol('invalid credentials');

const defaultLockMs = defaultLockoutPolicy.lockMs;

// How long a resolved session or token is trusted without asking the database again, and how often
// its "last seen" is written: an authenticated request costs no database round trip in between.
// Revocations through this process take effect at once (the cache entry is dropped).
const CACHE_MS = 10_000;
const TOUCH_MS = 60_000;

interface Cached {
  kind: 'session' | 'token';
  row: Session | ApiToken;
  user: User;
  fetchedAt: number;
}

export function createAuthService(deps: AuthDeps) {
  const cache = new Map<string, Cached>();

  function dropCached(predicate: (entry: Cached) => boolean): void {
    for (const [key, entry] of cache) if (predicate(entry)) cache.delete(key);
  }

  deps.events.subscribe((event) => {
    if (event.type === 'credentials.revoked') {
      const ids = new Set(event.ids);
      dropCached((entry) => ids.has(entry.row.id));
    } else if (event.type === 'user.changed') {
      dropCached((entry) => entry.user.id === event.userId);
    }
  });

  /** Forget at once here, and everywhere else as soon as the event arrives. */
  async function revoked(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const set = new Set(ids);
    dropCached((entry) => set.has(entry.row.id));
    await deps.events.publish({ type: 'credentials.revoked', ids });
  }

  async function lookup(kind: 'session' | 'token', tokenHash: string): Promise<Cached | null> {
    const at = deps.now();
    const hit = cache.get(tokenHash);
    if (hit && at - hit.fetchedAt < CACHE_MS && !deps.verifyOnly) return hit;
    const row =
      kind === 'session'
        ? await deps.sessions.findByTokenHash(tokenHash)
        : await deps.tokens.findByTokenHash(tokenHash);
    const user = row ? await deps.users.findById(row.user_id) : undefined;
    if (!row || !user) {
      cache.delete(tokenHash);
      return null;
    }
    const entry: Cached = { kind, row, user, fetchedAt: at };
    if (cache.size > 10_000) cache.clear();
    cache.set(tokenHash, entry);
    return entry;
  }

  function principalOf(entry: Cached): Principal {
    if (entry.kind === 'session') {
      return {
        user: entry.user,
        via: 'session',
        scope: 'admin',
        sessionId: entry.row.id,
        tokenId: null,
        csrfToken: csrfTokenFor(deps.secret, entry.row.id),
      };
    }
    const token = entry.row as ApiToken;
    return {
      user: entry.user,
      via: 'token',
      scope: token.scope,
      sessionId: null,
      tokenId: token.id,
      csrfToken: null,
    };
  }

  return {
    /**
     * Whether `entrance` is the security entrance. A locked address is refused without comparing; a
     * wrong entrance counts as an attempt of its address (so guessing it locks the guesser out).
     */
    async checkEntrance(entrance: string, ip: string): Promise<boolean> {
      const key = addressKey(ip);
      if ((await deps.limiter.lockedFor(key)) > 0) return false;
      if (safeEqual(entrance, await deps.entrance())) return true;
      deps.onLoginFailure(ip, 'bad_entrance');
      await deps.limiter.reserve(key);
      return false;
    },

    /**
     * The principal behind a session cookie. Null when no session has that token (a guess, or junk: to
     * the caller it is no credential at all, so the plain 404 stays); INVALID when the session existed
     * but has ended (the caller was logged in: a 401 tells them to log in again).
     */
    async resolveSession(token: string): Promise<Principal | typeof INVALID | null> {
      const entry = await lookup('session', hashToken(token));
      if (!entry) return null;
      const session = entry.row as Session;
      const at = deps.now();
      const policy = await deps.sessionPolicy();
      if (
        session.revoked_at !== null ||
        session.expires_at <= at ||
        session.last_seen_at + policy.idleMs <= at
      ) {
        return INVALID;
      }
      if (entry.user.disabled) return INVALID;
      if (at - session.last_seen_at >= TOUCH_MS && !deps.verifyOnly) {
        session.last_seen_at = at;
        await deps.sessions.touch(session.id, at);
      }
      return principalOf(entry);
    },

    /** The principal behind `Authorization: Bearer`: INVALID when revoked, expired or from a refused address. */
    /** As resolveSession: null for a token that never existed, INVALID for one revoked, expired or refused. */
    async resolveToken(token: string, ip: string | null): Promise<Principal | typeof INVALID | null> {
      if (!token.startsWith('dwt_')) return null;
      const entry = await lookup('token', hashToken(token));
      if (!entry) return null;
      const row = entry.row as ApiToken;
      const at = deps.now();
      if (
        row.revoked_at !== null ||
        (row.expires_at !== null && row.expires_at <= at) ||
        entry.user.disabled
      ) {
        return INVALID;
      }
      if (ip !== null && row.allowed_ips && !ipAllowed(ip, JSON.parse(row.allowed_ips) as string[]))
        return INVALID;
      if ((row.last_used_at === null || at - row.last_used_at >= TOUCH_MS) && !deps.verifyOnly) {
        row.last_used_at = at;
        await deps.tokens.touch(row.id, at);
      }
      return principalOf(entry);
    },

    /**
     * Checks the entrance, the lockouts, the password and the second factor, then opens a session.
     * Every refusal looks the same whether or not the username exists.
     */
    async login(
      input: { username: string; password: string; totp?: string; recoveryCode?: string },
      context: RequestContext,
    ): Promise<{ token: string; principal: Principal; session: Session }> {
      const username = input.username.trim().toLowerCase();
      const ipKey = addressKey(context.ip);
      const userKey = `user:${username}`;
      const audit = (outcome: 'success' | 'failure' | 'denied', reason: string, user?: User) =>
        deps.audit.record({
          actorType: user ? 'user' : 'anonymous',
          actorId: user?.id ?? null,
          // Only a name that exists: people type passwords into the username field.
          actorName: user ? username : null,
          ip: context.ip,
          action: 'auth.login',
          outcome,
          details: { reason },
          requestId: context.requestId,
        });

      const locked = Math.max(await deps.limiter.lockedFor(ipKey), await deps.limiter.lockedFor(userKey));
      if (locked > 0) {
        deps.onLoginFailure(context.ip, 'locked');
        await audit('denied', 'locked');
        throw lockedOut(locked);
      }
      // Reserve the attempt before the password is hashed: concurrent guesses count at once.
      const reservations = [await deps.limiter.reserve(ipKey), await deps.limiter.reserve(userKey)];
      if (reservations.some((r) => !r.allowed)) {
        deps.onLoginFailure(context.ip, 'locked');
        await audit('denied', 'locked');
        if (reservations.some((r) => r.lockedNow)) await recordLockout();
        const remaining = Math.max(
          await deps.limiter.lockedFor(ipKey),
          await deps.limiter.lockedFor(userKey),
        );
        throw lockedOut(remaining || defaultLockMs);
      }

      const user = await deps.users.findByUsername(username);
      const passwordOk = await verifyPassword(user?.password_hash ?? null, input.password);
      if (!user || !passwordOk || user.disabled) {
        await failed('bad_credentials', user);
        throw new DiwanError('DIWAN_E_UNAUTHORIZED', 'Wrong username or password');
      }
      if (user.totp_enabled) {
        if (!input.totp && !input.recoveryCode) {
          throw new DiwanError('DIWAN_E_TOTP_REQUIRED', 'Enter the code from your authenticator app', 'totp');
        }
        if (!(await deps.secondFactor.verify(user, input))) {
          await failed('bad_totp', user);
          throw new DiwanError('DIWAN_E_UNAUTHORIZED', 'That code is not valid', 'totp');
        }
      }

      await deps.limiter.reset(userKey);
      await deps.limiter.reset(ipKey);
      const token = newSecretToken('session');
      const at = deps.now();
      const session = await deps.sessions.create({
        userId: user.id,
        tokenHash: hashToken(token),
        ip: context.ip,
        userAgent: context.userAgent,
        at,
        expiresAt: at + (await deps.sessionPolicy()).lifetimeMs,
      });
      await audit('success', input.recoveryCode ? 'recovery_code' : 'ok', user);
      const principal = principalOf({ kind: 'session', row: session, user, fetchedAt: at });
      return { token, principal, session };

      async function failed(reason: 'bad_credentials' | 'bad_totp', known: User | undefined): Promise<void> {
        // The attempt was counted when it was reserved.
        deps.onLoginFailure(context.ip, reason);
        await audit('failure', reason, known);
      }

      async function recordLockout(): Promise<void> {
        const known = await deps.users.findByUsername(username);
        await deps.audit.record({
          actorType: 'system',
          action: 'auth.lockout',
          target: known ? username : addressKey(context.ip),
          ip: context.ip,
          outcome: 'success',
          requestId: context.requestId,
        });
      }
    },

    /** Ends the session behind a cookie, if there is one (a browser logging in again). */
    async endSessionByToken(token: string): Promise<void> {
      const session = await deps.sessions.findByTokenHash(hashToken(token));
      if (session && session.revoked_at === null) {
        await deps.sessions.revoke(session.user_id, session.id, deps.now());
        await revoked([session.id]);
      }
    },

    async logout(principal: Principal): Promise<void> {
      if (!principal.sessionId) return;
      await deps.sessions.revoke(principal.user.id, principal.sessionId, deps.now());
      await revoked([principal.sessionId]);
    },

    async revokeSession(userId: string, sessionId: string): Promise<boolean> {
      const done = await deps.sessions.revoke(userId, sessionId, deps.now());
      await revoked([sessionId]);
      return done;
    },

    async revokeOtherSessions(userId: string, keepSessionId: string | null): Promise<number> {
      const ids = await deps.sessions.revokeAllExcept(userId, keepSessionId, deps.now());
      await revoked(ids);
      return ids.length;
    },

    async revokeToken(userId: string, tokenId: string): Promise<boolean> {
      const done = await deps.tokens.revoke(userId, tokenId, deps.now());
      await revoked([tokenId]);
      return done;
    },

    /** Forget cached credentials of a user whose record changed (password, 2FA, disabled), everywhere. */
    async forgetUser(userId: string): Promise<void> {
      dropCached((entry) => entry.user.id === userId);
      await deps.events.publish({ type: 'user.changed', userId });
    },
  };
}

function lockedOut(ms: number): DiwanError {
  const minutes = Math.ceil(ms / 60_000);
  return new DiwanError(
    'DIWAN_E_LOCKED_OUT',
    `Too many failed logins: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
  );
}

export type AuthService = ReturnType<typeof createAuthService>;
