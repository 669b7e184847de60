import { createHash, randomBytes } from 'node:crypto';
import { DiwanError } from '../../../contract/errors.js';
import type { SiteSpec, Website } from '../../../contract/websites.js';

/**
 * Passwords of a site's login (HTTP basic auth): nginx reads {SSHA} (salted SHA-1, the strongest
 * scheme its auth_basic understands without a crypt(3) of the host). The plain password never
 * reaches the panel database, the agent or an answer.
 */
export function sshaHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/**
 * The spec as the panel keeps it: every given password hashed; a user sent without a password (an
 * edit of other settings) keeps the hash it had.
 */
export function hashSitePasswords(spec: SiteSpec, previous?: SiteSpec): SiteSpec {
  const protection = spec.options.passwordProtection;
  if (!protection) return spec;
  const before = previous?.options.passwordProtection?.users ?? [];
  const users = protection.users.map(({ username, password, passwordHash }) => {
    if (password !== undefined) return { username, passwordHash: sshaHash(password) };
    const kept = passwordHash ?? before.find((user) => user.username === username)?.passwordHash;
    if (kept === undefined) {
      throw new DiwanError(
        'DIWAN_E_VALIDATION',
        `options.passwordProtection.users: ${username} needs a password`,
        'options',
      );
    }
    return { username, passwordHash: kept };
  });
  return { ...spec, options: { ...spec.options, passwordProtection: { ...protection, users } } };
}

/** What answers show of a site's login: the usernames. */
export function withoutPasswords(options: Website['options']): Website['options'] {
  const protection = options.passwordProtection;
  if (!protection) return options;
  return {
    ...options,
    passwordProtection: { ...protection, users: protection.users.map(({ username }) => ({ username })) },
  };
}
