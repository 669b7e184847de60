import { createHash, randomInt } from 'node:crypto';

/**
 * One-time codes for signing in when the authenticator is lost. Digits and lowercase letters without
 * the look-alikes 0/o, 1/l/i, so a code read off paper is typed right the first time: 31 symbols.
 */
export const RECOVERY_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUP_LENGTH = 4;
const CODE_LENGTH = 12;
const NORMALIZED = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${CODE_LENGTH}}$`);

/** Fresh codes like `k7m2-9xqp-4tnb`: 12 symbols from a CSPRNG, about 59.4 bits each. */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  const codes = new Set<string>();
  // A repeat is astronomically unlikely, but a set costs nothing and guarantees `count` distinct codes.
  while (codes.size < count) codes.add(generateOne());
  return [...codes];
}

function generateOne(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) {
    if (i > 0 && i % GROUP_LENGTH === 0) code += '-';
    // randomInt draws without modulo bias, so every symbol is equally likely.
    code += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
  }
  return code;
}

/** What the user typed, as the canonical 12 symbols (case, spaces and dashes ignored), or null. */
export function normalizeRecoveryCode(input: string): string | null {
  const normalized = input.toLowerCase().replace(/[\s-]/g, '');
  return NORMALIZED.test(normalized) ? normalized : null;
}

/**
 * The stored form of a code. A plain SHA-256 is enough here, unlike for passwords: the codes are
 * random from a CSPRNG with ~59 bits of entropy, so a leaked hash cannot be brute-forced the way a
 * human-chosen password can, and a slow hash would only add cost to every sign-in.
 */
export function hashRecoveryCode(normalized: string): string {
  // Hashing a code as typed would never match the stored hash: fail loudly instead.
  if (!NORMALIZED.test(normalized)) throw new TypeError('hashRecoveryCode expects a normalized code');
  return createHash('sha256').update(normalized).digest('hex');
}
