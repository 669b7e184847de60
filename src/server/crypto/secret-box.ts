import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets the panel must read back (TOTP seeds, database passwords), sealed for storage in the panel
 * database: a copy of the database alone does not reveal them without the panel secret.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, each part base64url. The version names the key derivation and
 * the cipher together, so a later format can be added beside this one and old values still opened.
 */

const VERSION = 'v1';
// Fixed by design: the panel secret is already high-entropy and per-installation, so a random salt
// would add nothing but a value to store. Changing either string changes every key: never edit them.
const HKDF_SALT = 'diwan';
const HKDF_INFO = 'diwan secret-box v1';
const KEY_BYTES = 32;
// 96-bit random IVs are GCM's recommended size; at the panel's write volume a collision is not a concern.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
// In a `u` regex a valid surrogate pair is one code point, so this only matches a lone surrogate.
const LONE_SURROGATE = /\p{Surrogate}/u;

export type SecretBoxFailure =
  /** The string is not a sealed value at all (wrong shape, bad base64url, wrong IV or tag length). */
  | 'malformed'
  /** A `vN.` prefix this build does not know: written by a newer Diwan, or not ours. */
  | 'unsupported-version'
  /** Wrong panel secret, wrong context, or the value was altered: GCM cannot tell these apart. */
  | 'not-authentic'
  /** seal() was given something it cannot store faithfully (an empty context, a lone surrogate). */
  | 'invalid-input';

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(
    readonly reason: SecretBoxFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SecretBox {
  /** Encrypts `plaintext`, bound to `context` (e.g. `totp:<userId>`): it opens only with the same context. */
  seal(plaintext: string, context: string): string;
  /** Decrypts a value from seal(); throws SecretBoxError rather than ever returning unauthenticated text. */
  open(sealed: string, context: string): string;
}

export function createSecretBox(panelSecret: string): SecretBox {
  if (panelSecret.length === 0) {
    throw new SecretBoxError('invalid-input', 'The panel secret must not be empty');
  }
  const key = Buffer.from(hkdfSync('sha256', panelSecret, HKDF_SALT, HKDF_INFO, KEY_BYTES));

  return {
    seal(plaintext, context) {
      checkContext(context);
      // Buffer.from would silently turn a lone surrogate into U+FFFD, so open() would not give back
      // what was sealed; refusing is better than storing a subtly different secret.
      if (LONE_SURROGATE.test(plaintext)) {
        throw new SecretBoxError('invalid-input', 'The plaintext is not well-formed Unicode');
      }
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, ...[iv, ciphertext, tag].map((part) => part.toString('base64url'))].join('.');
    },

    open(sealed, context) {
      checkContext(context);
      const { iv, ciphertext, tag } = parse(sealed);
      // authTagLength pins the tag to 16 bytes: without it Node accepts truncated tags, which are
      // easier to forge.
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      let plaintext: Buffer;
      try {
        // update() returns unauthenticated bytes; nothing leaves this function until final() passes.
        plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      } catch (error) {
        throw new SecretBoxError(
          'not-authentic',
          'The sealed value does not open with this key and context (wrong secret, wrong record or altered)',
          { cause: error },
        );
      }
      return plaintext.toString('utf8');
    },
  };
}

function checkContext(context: string): void {
  // An empty context would bind nothing: every caller must say which record the value belongs to.
  if (context.length === 0) throw new SecretBoxError('invalid-input', 'The context must not be empty');
}

function parse(sealed: string): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const parts = sealed.split('.');
  const version = parts[0] ?? '';
  if (version !== VERSION) {
    if (/^v\d+$/.test(version) && parts.length > 1) {
      throw new SecretBoxError(
        'unsupported-version',
        `Sealed values of version ${version} are not supported`,
      );
    }
    throw new SecretBoxError('malformed', 'Not a sealed value');
  }
  if (parts.length !== 4) throw new SecretBoxError('malformed', 'Not a sealed value');
  const [iv, ciphertext, tag] = parts.slice(1).map(fromPart) as [Buffer, Buffer, Buffer];
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretBoxError('malformed', 'Not a sealed value');
  }
  return { iv, ciphertext, tag };
}

/** Strict base64url: Buffer.from skips characters it does not know, which would hide corruption. */
function fromPart(part: string): Buffer {
  const bytes = Buffer.from(part, 'base64url');
  if (!BASE64URL.test(part) || bytes.toString('base64url') !== part) {
    throw new SecretBoxError('malformed', 'Not a sealed value');
  }
  return bytes;
}
