import type { FastifyBaseLogger } from 'fastify';

export type LoginFailureReason = 'bad_credentials' | 'bad_totp' | 'locked' | 'bad_entrance';

/**
 * One log line per failed login, in a format that fail2ban matches (deploy/fail2ban/): the fields
 * before the address are fixed and carry no user-chosen text, so a crafted username cannot forge an
 * address for fail2ban to ban. The username is not logged here (the audit log has it).
 *   {"level":40,"time":"…","service":"diwan","requestId":"…","event":"auth.login_failed","ip":"203.0.113.7","reason":"bad_credentials","msg":"login failed"}
 */
export function logLoginFailure(
  log: Pick<FastifyBaseLogger, 'warn'>,
  ip: string,
  reason: LoginFailureReason,
): void {
  log.warn({ event: 'auth.login_failed', ip, reason }, 'login failed');
}
