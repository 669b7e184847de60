import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

// The parameters every authenticator app (Google Authenticator, Aegis, 1Password…) supports; Google
// Authenticator ignores anything else in the URI, so these are the only safe choice.
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD_SECONDS = 30;
const SECRET_BYTES = 20;
// RFC 4226 asks for at least 128 bits; a shorter (or empty) stored secret means corruption, and
// verifying against it would accept codes anyone can compute.
const MIN_SECRET_BYTES = 16;
// One step either side absorbs clock drift and the seconds spent typing, and no more.
const WINDOW = 1;

/** A fresh shared secret: 160 random bits (RFC 4226's recommended size), in base32 for the URI. */
export function newTotpSecret(): string {
  return new Secret({ buffer: Uint8Array.from(randomBytes(SECRET_BYTES)).buffer }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app scans. */
export function totpUri({
  secret,
  account,
  issuer = 'Diwan',
}: {
  secret: string;
  account: string;
  issuer?: string;
}): string {
  // The label is `issuer:account`, and apps split it at the colon; the Key URI format forbids it in both.
  for (const [name, value] of [
    ['account', account],
    ['issuer', issuer],
  ] as const) {
    if (value.length === 0 || value.includes(':')) {
      throw new TypeError(`The TOTP ${name} must be non-empty and contain no colon`);
    }
  }
  return new TOTP({
    issuer,
    label: account,
    secret: parseSecret(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  }).toString();
}

/** The URI as a self-contained SVG QR code (no scripts, links or external images). */
export async function totpQrSvg(uri: string): Promise<string> {
  // Loaded when someone sets up 2FA, not at every start: a few MB a small VPS need not hold.
  const { default: QRCode } = await import('qrcode');
  // M (15% recovery) keeps the code small enough to scan from a laptop screen at this URI length.
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' });
}

export type TotpVerification = { ok: true; step: number } | { ok: false };

/**
 * Checks a code typed by the user at time `now` (ms since the epoch; injected so tests and callers
 * control the clock). A code is accepted for the current step and one step either side, but never
 * for a step at or before `lastUsedStep`: a code seen once (shoulder-surfed, phished, replayed)
 * must not log in again. The caller stores the returned `step` as the new `lastUsedStep`.
 */
export function verifyTotp(
  secret: string,
  code: string,
  opts: { now: number; lastUsedStep: number | null },
): TotpVerification {
  const typed = normalizeTotpCode(code);
  if (typed === null) return { ok: false };
  if (!Number.isFinite(opts.now)) throw new TypeError('now must be a finite number of milliseconds');
  const key = parseSecret(secret);
  const current = Math.floor(opts.now / 1000 / PERIOD_SECONDS);

  let accepted: number | null = null;
  // Every candidate is computed and compared, in constant time, whatever matched before: how long
  // this takes says nothing about which step (if any) the code belongs to.
  for (let step = current - WINDOW; step <= current + WINDOW; step += 1) {
    const expected = HOTP.generate({ secret: key, algorithm: ALGORITHM, digits: DIGITS, counter: step });
    const matches = timingSafeEqual(Buffer.from(expected), Buffer.from(typed));
    const fresh = opts.lastUsedStep === null || step > opts.lastUsedStep;
    // The earliest fresh match: it burns the fewest future steps if a code happens to match twice.
    if (matches && fresh && accepted === null) accepted = step;
  }
  return accepted === null ? { ok: false } : { ok: true, step: accepted };
}

/**
 * Six ASCII digits, or null. Spaces are dropped (apps show `123 456`), and Arabic-Indic and Persian
 * digits are read as their ASCII values, since a user on an Arabic keyboard may type `١٢٣٤٥٦`.
 */
export function normalizeTotpCode(code: string): string | null {
  const digits = code
    .replace(/\s/g, '')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
  return /^[0-9]{6}$/.test(digits) ? digits : null;
}

function parseSecret(secret: string): Secret {
  const parsed = Secret.fromBase32(secret);
  if (parsed.bytes.length < MIN_SECRET_BYTES) {
    throw new TypeError(`A TOTP secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return parsed;
}
