import { createDecipheriv, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBoxError, createSecretBox, type SecretBoxFailure } from './secret-box.js';

const secret = 'test-panel-secret-that-is-long-enough-0123456789';
const box = createSecretBox(secret);

function failure(open: () => unknown): SecretBoxFailure {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return (error as SecretBoxError).reason;
  }
  throw new Error('expected open() to throw');
}

/** Flips one bit of the decoded part at `index` (1 = IV, 2 = ciphertext, 3 = tag) and re-encodes. */
function flipBit(sealed: string, index: number, byte = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('secret box', () => {
  it('opens what it sealed, for ASCII, Arabic, emoji and the empty string', () => {
    for (const plaintext of [
      'JBSWY3DPEHPK3PXP',
      'كلمة السر: ديوان ٢٠٢٥',
      'p@ss 🔐 word',
      '',
      'x'.repeat(10_000),
    ]) {
      const sealed = box.seal(plaintext, 'totp:42');
      expect(box.open(sealed, 'totp:42')).toBe(plaintext);
    }
  });

  it('writes v1.<iv>.<ciphertext>.<tag> in base64url', () => {
    const sealed = box.seal('hunter2', 'db-password:7');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const [, iv, ciphertext, tag] = sealed.split('.');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength('hunter2'.length);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(sealed).not.toContain('hunter2');
  });

  it('uses a fresh IV each time, so equal plaintexts do not give equal sealed values', () => {
    const sealed = Array.from({ length: 50 }, () => box.seal('same', 'totp:1'));
    expect(new Set(sealed).size).toBe(50);
    expect(new Set(sealed.map((s) => s.split('.')[1])).size).toBe(50);
  });

  it('opens with a second box built from the same secret (the key is derived, not random)', () => {
    const sealed = box.seal('persisted', 'totp:1');
    expect(createSecretBox(secret).open(sealed, 'totp:1')).toBe('persisted');
  });

  it('refuses a value moved to another record (the context is bound)', () => {
    const sealed = box.seal('seed', 'totp:1');
    expect(failure(() => box.open(sealed, 'totp:2'))).toBe('not-authentic');
    expect(failure(() => box.open(sealed, 'db-password:1'))).toBe('not-authentic');
    expect(failure(() => box.open(sealed, 'totp:1 '))).toBe('not-authentic');
  });

  it('refuses a value sealed under another panel secret', () => {
    const sealed = createSecretBox(`${secret}!`).seal('seed', 'totp:1');
    expect(failure(() => box.open(sealed, 'totp:1'))).toBe('not-authentic');
  });

  it('refuses any altered byte of IV, ciphertext or tag', () => {
    const sealed = box.seal('a secret long enough to alter', 'totp:1');
    expect(failure(() => box.open(flipBit(sealed, 1), 'totp:1'))).toBe('not-authentic');
    expect(failure(() => box.open(flipBit(sealed, 2), 'totp:1'))).toBe('not-authentic');
    expect(failure(() => box.open(flipBit(sealed, 2, 20), 'totp:1'))).toBe('not-authentic');
    expect(failure(() => box.open(flipBit(sealed, 3, 15), 'totp:1'))).toBe('not-authentic');
  });

  it('refuses a swapped ciphertext from another sealed value', () => {
    const a = box.seal('aaaa', 'totp:1').split('.');
    const b = box.seal('bbbb', 'totp:1').split('.');
    expect(failure(() => box.open([a[0], a[1], b[2], a[3]].join('.'), 'totp:1'))).toBe('not-authentic');
  });

  it('refuses truncated values', () => {
    const sealed = box.seal('seed', 'totp:1');
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    // A shortened tag would be accepted by Node's GCM unless the length is pinned.
    const shortTag = Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url');
    expect(failure(() => box.open([version, iv, ciphertext, shortTag].join('.'), 'totp:1'))).toBe(
      'malformed',
    );
    expect(failure(() => box.open([version, iv, ciphertext].join('.'), 'totp:1'))).toBe('malformed');
    expect(failure(() => box.open(sealed.slice(0, -1), 'totp:1'))).toBe('malformed');
    expect(failure(() => box.open(sealed.slice(0, -4), 'totp:1'))).toBe('malformed');
    expect(failure(() => box.open([version, iv, ciphertext.slice(0, -2), tag].join('.'), 'totp:1'))).toBe(
      'not-authentic',
    );
  });

  it('refuses a non-canonical base64url encoding of the same bytes', () => {
    const sealed = box.seal('seed', 'totp:1');
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    // 4 bytes take 6 characters, whose last 4 bits are padding: setting one decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(ciphertext.at(-1)!);
    const twin = ciphertext.slice(0, -1) + alphabet[last ^ 0b0001];
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(ciphertext, 'base64url'));
    expect(failure(() => box.open([version, iv, twin, tag].join('.'), 'totp:1'))).toBe('malformed');
  });

  it('refuses an unknown version', () => {
    const rest = box.seal('seed', 'totp:1').slice('v1'.length);
    expect(failure(() => box.open(`v2${rest}`, 'totp:1'))).toBe('unsupported-version');
    expect(failure(() => box.open(`v0${rest}`, 'totp:1'))).toBe('unsupported-version');
    expect(failure(() => box.open(`V1${rest}`, 'totp:1'))).toBe('malformed');
  });

  it('refuses strings that are not sealed values', () => {
    const sealed = box.seal('seed', 'totp:1');
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    for (const garbage of [
      '',
      'v1',
      'v1...',
      'JBSWY3DPEHPK3PXP',
      `${sealed}.`,
      `${sealed}.extra`,
      [version, `${iv}=`, ciphertext, tag].join('.'),
      [version, iv, `${ciphertext}!`, tag].join('.'),
      [version, iv, `${ciphertext} `, tag].join('.'),
      [version, iv.replace(/./, '+'), ciphertext, tag].join('.'),
    ]) {
      expect(failure(() => box.open(garbage, 'totp:1'))).toBe('malformed');
    }
  });

  it('refuses an empty context, an empty panel secret and text it cannot round-trip', () => {
    expect(failure(() => box.seal('seed', ''))).toBe('invalid-input');
    expect(failure(() => box.open(box.seal('seed', 'x'), ''))).toBe('invalid-input');
    expect(failure(() => createSecretBox(''))).toBe('invalid-input');
    expect(failure(() => box.seal('lone \uD800 surrogate', 'totp:1'))).toBe('invalid-input');
  });

  it('still opens a value sealed by an earlier build (the format and key derivation are pinned)', () => {
    const golden = 'v1.IjWBYEzLegkr9-tP.ITNuVVQeHm89ygBe5lJzkw.vKhtn_ZjnVogDsUpZvZxrA';
    expect(box.open(golden, 'totp:1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('derives the key with HKDF-SHA256 (salt "diwan", info "diwan secret-box v1")', () => {
    // Pins the derivation: a value sealed today must still open after any refactor.
    const key = Buffer.from(hkdfSync('sha256', secret, 'diwan', 'diwan secret-box v1', 32));
    const [, iv, ciphertext, tag] = box.seal('pinned', 'totp:9').split('.') as [
      string,
      string,
      string,
      string,
    ];
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from('totp:9'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plaintext = Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]);
    expect(plaintext.toString('utf8')).toBe('pinned');
  });
});
