import { createApiTokensStore } from './auth/api-tokens-store.js';
import { createDbAttemptLimiter, defaultLockoutPolicy } from './auth/attempts.js';
import { logLoginFailure } from './auth/log-events.js';
import { createTwoFactor } from './auth/second-factor.js';
import { createSecuritySettings } from './auth/security-settings.js';
import { createAuthService } from './auth/service.js';
import { createSessionsStore } from './auth/sessions-store.js';
import { createUsersStore } from './auth/users-store.js';
import { createAuditLog } from './audit/audit-log.js';
import type { Config } from './config/types.js';
import { createSecretBox } from './crypto/secret-box.js';
import type { PanelDb } from './db/connection.js';
import { createSettingsStore } from './db/settings-store.js';
import type { AttemptLimiter } from './auth/attempts.js';
import type { Logger } from './logger.js';
import { createLocalBus, createRedisBus, type EventBus } from './events/bus.js';

/**
 * The panel's service graph over one database: the same objects behind the API, the CLI and the
 * tests. Builds only; nothing here touches the database until it is used.
 */
export function createPanelServices(
  config: Config,
  deps: {
    panelDb: PanelDb;
    now?: () => number;
    limiter?: AttemptLimiter;
    events?: EventBus;
    verifyOnly?: boolean;
  },
  logger: Pick<Logger, 'warn' | 'child' | 'error'>,
) {
  if (config.secret === null)
    throw new Error('the panel secret must be resolved before the services are built');
  const db = deps.panelDb.db;
  const now = deps.now ?? Date.now;
  const users = createUsersStore(db, now);
  const sessions = createSessionsStore(db);
  const tokens = createApiTokensStore(db);
  const audit = createAuditLog(db, now);
  const security = createSecuritySettings(createSettingsStore(db, { now }), now);
  // With Redis, revocations reach every web instance at once; alone, they stay in this process.
  const events =
    deps.events ??
    (config.redisUrl
      ? createRedisBus(config.redisUrl, (error) => logger.error({ err: error }, 'redis event bus'))
      : createLocalBus());
  const limiter = deps.limiter ?? createDbAttemptLimiter(db, defaultLockoutPolicy, now);
  const box = createSecretBox(config.secret);
  const twoFactor = createTwoFactor({ db, users, box, now });
  const auth = createAuthService({
    users,
    sessions,
    tokens,
    audit,
    limiter,
    secondFactor: twoFactor.secondFactor,
    secret: config.secret,
    now,
    sessionPolicy: () => security.sessionPolicy(),
    entrance: async () => (await security.current()).entrance,
    onLoginFailure: (ip, reason) => logLoginFailure(logger, ip, reason),
    events,
    verifyOnly: deps.verifyOnly ?? false,
  });
  return { users, sessions, tokens, audit, security, twoFactor, auth, limiter, events, box, now };
}

export type PanelServices = ReturnType<typeof createPanelServices>;
