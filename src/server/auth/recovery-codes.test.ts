import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  RECOVERY_CODE_ALPHABET,
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
} from './recovery-codes.js';

describe('generateRecoveryCodes', () => {
  it('gives ten distinct codes like k7m2-9xqp-4tnb by default', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(code).not.toMatch(/[01oli]/);
      expect(normalizeRecoveryCode(code)).toBe(code.replaceAll('-', ''));
    }
  });

  it('gives as many as asked, and refuses a nonsense count', () => {
    expect(generateRecoveryCodes(1)).toHaveLength(1);
    expect(new Set(generateRecoveryCodes(200)).size).toBe(200);
    expect(() => generateRecoveryCodes(0)).toThrow(RangeError);
    expect(() => generateRecoveryCodes(2.5)).toThrow(RangeError);
  });

  it('draws from the whole alphabet and nothing else', () => {
    const seen = new Set(generateRecoveryCodes(500).join('').replaceAll('-', ''));
    expect([...seen].sort().join('')).toBe([...RECOVERY_CODE_ALPHABET].sort().join(''));
  });

  it('uses an alphabet without look-alike characters', () => {
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(31);
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(31);
    expect(RECOVERY_CODE_ALPHABET).not.toMatch(/[01oli]/);
  });
});

describe('normalizeRecoveryCode', () => {
  it('reads a code however the user typed it', () => {
    for (const typed of [
      'k7m2-9xqp-4tnb',
      'K7M2 9XQP 4TNB',
      'k7m29xqp4tnb',
      ' k7m2 - 9xqp - 4tnb\n',
      'K7M2-9xqp-4TNB',
    ]) {
      expect(normalizeRecoveryCode(typed)).toBe('k7m29xqp4tnb');
    }
  });

  it('refuses anything that is not twelve symbols of the alphabet', () => {
    for (const garbage of [
      '',
      'k7m2-9xqp-4tn',
      'k7m2-9xqp-4tnbb',
      'k7m2-9xqp-4tn0',
      'k7m2-9xqp-4tno',
      'k7m2-9xqp-4tn1',
      'k7m2-9xqp-4tnl',
      'k7m2-9xqp-4tni',
      'k7m2_9xqp_4tnb',
      'k7m2.9xqp.4tnb',
      'ك7m2-9xqp-4tnb',
      'k7m2-9xqp-4tnb; drop table users',
      '123456',
    ]) {
      expect(normalizeRecoveryCode(garbage)).toBeNull();
    }
  });
});

describe('hashRecoveryCode', () => {
  it('is the SHA-256 of the normalized code, the same however it was typed', () => {
    const expected = createHash('sha256').update('k7m29xqp4tnb').digest('hex');
    expect(hashRecoveryCode('k7m29xqp4tnb')).toBe(expected);
    expect(hashRecoveryCode(normalizeRecoveryCode('K7M2 9XQP 4TNB')!)).toBe(expected);
    expect(hashRecoveryCode('k7m29xqp4tnc')).not.toBe(expected);
  });

  it('refuses a code that was not normalized first', () => {
    expect(() => hashRecoveryCode('k7m2-9xqp-4tnb')).toThrow(TypeError);
    expect(() => hashRecoveryCode('K7M29XQP4TNB')).toThrow(TypeError);
  });
});
