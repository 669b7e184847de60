import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Session cookies and API tokens: 256 random bits, with a prefix that secret scanners can spot. */
export function newSecretToken(kind: 'session' | 'api'): string {
  return `${kind === 'session' ? 'dws' : 'dwt'}_${randomBytes(32).toString('base64url')}`;
}

/** Only this hash is stored: a leaked database does not hand out working sessions or tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The CSRF token of a session: derived, so it needs no storage and cannot be guessed without the secret. */
export function csrfTokenFor(panelSecret: string, sessionId: string): string {
  return createHmac('sha256', panelSecret).update(`csrf:${sessionId}`).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** A random string from an alphabet without look-alike characters, for usernames, passwords and entrances. */
export function randomWord(length: number, alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}
