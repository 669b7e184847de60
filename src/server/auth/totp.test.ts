import { Secret, TOTP, URI } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { newTotpSecret, normalizeTotpCode, totpQrSvg, totpUri, verifyTotp } from './totp.js';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890"; its 8-digit codes end in these 6 digits.
const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const at1111111109 = 1_111_111_109_000; // step 37037036, code 07081804
const at1111111111 = 1_111_111_111_000; // step 37037037, code 14050471
const stepA = 37_037_036;
const codeA = '081804';
const stepB = 37_037_037;
const codeB = '050471';

describe('verifyTotp', () => {
  it('accepts the code of the current step and returns that step', () => {
    expect(verifyTotp(secret, codeB, { now: at1111111111, lastUsedStep: null })).toEqual({
      ok: true,
      step: stepB,
    });
    expect(verifyTotp(secret, codeA, { now: at1111111109, lastUsedStep: null })).toEqual({
      ok: true,
      step: stepA,
    });
  });

  it('matches the RFC 6238 vectors at other times', () => {
    expect(verifyTotp(secret, '287082', { now: 59_000, lastUsedStep: null })).toEqual({ ok: true, step: 1 });
    expect(verifyTotp(secret, '005924', { now: 1_234_567_890_000, lastUsedStep: null })).toMatchObject({
      ok: true,
    });
    expect(verifyTotp(secret, '279037', { now: 2_000_000_000_000, lastUsedStep: null })).toMatchObject({
      ok: true,
    });
  });

  it('accepts the previous and the next step, for clock drift', () => {
    expect(verifyTotp(secret, codeA, { now: at1111111111, lastUsedStep: null })).toEqual({
      ok: true,
      step: stepA,
    });
    expect(verifyTotp(secret, codeB, { now: at1111111109, lastUsedStep: null })).toEqual({
      ok: true,
      step: stepB,
    });
  });

  it('refuses a code two steps away in either direction', () => {
    expect(verifyTotp(secret, codeB, { now: at1111111111 + 60_000, lastUsedStep: null })).toEqual({
      ok: false,
    });
    expect(verifyTotp(secret, codeA, { now: at1111111109 - 60_000, lastUsedStep: null })).toEqual({
      ok: false,
    });
  });

  it('uses the step boundaries, not the time of day', () => {
    const startOfB = stepB * 30_000;
    expect(verifyTotp(secret, codeB, { now: startOfB, lastUsedStep: null })).toEqual({
      ok: true,
      step: stepB,
    });
    expect(verifyTotp(secret, codeB, { now: startOfB + 29_999, lastUsedStep: null })).toMatchObject({
      ok: true,
    });
    // The first millisecond of step B + 2: B is now two steps back.
    expect(verifyTotp(secret, codeB, { now: startOfB + 60_000, lastUsedStep: null })).toEqual({ ok: false });
  });

  it('refuses a replay of the step it last accepted, and any earlier step', () => {
    expect(verifyTotp(secret, codeB, { now: at1111111111, lastUsedStep: stepB })).toEqual({ ok: false });
    expect(verifyTotp(secret, codeA, { now: at1111111111, lastUsedStep: stepA })).toEqual({ ok: false });
    expect(verifyTotp(secret, codeA, { now: at1111111111, lastUsedStep: stepB })).toEqual({ ok: false });
    // After a code from the next step (a fast phone), the current step's code is old news.
    expect(verifyTotp(secret, codeA, { now: at1111111109, lastUsedStep: stepB })).toEqual({ ok: false });
    // The next step is still fresh.
    expect(verifyTotp(secret, codeB, { now: at1111111111, lastUsedStep: stepA })).toEqual({
      ok: true,
      step: stepB,
    });
  });

  it('when one code matches two steps, takes the earliest fresh one', () => {
    // Found by search: steps 37079356 and 37079357 of the RFC seed both give 186519.
    const now = 37_079_357 * 30_000;
    expect(verifyTotp(secret, '186519', { now, lastUsedStep: null })).toEqual({ ok: true, step: 37_079_356 });
    expect(verifyTotp(secret, '186519', { now, lastUsedStep: 37_079_356 })).toEqual({
      ok: true,
      step: 37_079_357,
    });
    expect(verifyTotp(secret, '186519', { now, lastUsedStep: 37_079_357 })).toEqual({ ok: false });
  });

  it('refuses a wrong code and a code of another secret', () => {
    expect(verifyTotp(secret, '000000', { now: at1111111111, lastUsedStep: null })).toEqual({ ok: false });
    const other = newTotpSecret();
    const otherCode = TOTP.generate({ secret: Secret.fromBase32(other), timestamp: at1111111111 });
    if (otherCode !== codeB && otherCode !== codeA) {
      expect(verifyTotp(secret, otherCode, { now: at1111111111, lastUsedStep: null })).toEqual({ ok: false });
    }
  });

  it('refuses malformed codes before checking them', () => {
    for (const code of [
      '',
      '05047',
      '0504711',
      'abcdef',
      '05047a',
      '-50471',
      '+50471',
      '5e4710',
      '050.47',
      '０５０４７１',
    ]) {
      expect(verifyTotp(secret, code, { now: at1111111111, lastUsedStep: null })).toEqual({ ok: false });
    }
  });

  it('reads codes typed with spaces or Arabic-Indic digits', () => {
    for (const code of ['050 471', ' 05 04 71 ', '0\t50471', '٠٥٠٤٧١', '۰۵۰۴۷۱']) {
      expect(verifyTotp(secret, code, { now: at1111111111, lastUsedStep: null })).toEqual({
        ok: true,
        step: stepB,
      });
    }
  });

  it('refuses a secret too short to be one of ours, and one that is not base32', () => {
    expect(() => verifyTotp('', codeB, { now: at1111111111, lastUsedStep: null })).toThrow(TypeError);
    expect(() => verifyTotp('GEZDGNBV', codeB, { now: at1111111111, lastUsedStep: null })).toThrow(TypeError);
    expect(() => verifyTotp('not base32!', codeB, { now: at1111111111, lastUsedStep: null })).toThrow(
      TypeError,
    );
  });
});

describe('normalizeTotpCode', () => {
  it('keeps six digits, drops spaces, refuses the rest', () => {
    expect(normalizeTotpCode('12 34 56')).toBe('123456');
    expect(normalizeTotpCode('123456')).toBe('123456');
    expect(normalizeTotpCode('١٢٣ ٤٥٦')).toBe('123456');
    expect(normalizeTotpCode('12345')).toBeNull();
    expect(normalizeTotpCode('1234567')).toBeNull();
    expect(normalizeTotpCode('abcdef')).toBeNull();
    expect(normalizeTotpCode('123-456')).toBeNull();
  });
});

describe('newTotpSecret', () => {
  it('gives 20 random bytes in base32', () => {
    const secrets = Array.from({ length: 20 }, newTotpSecret);
    expect(new Set(secrets).size).toBe(20);
    for (const s of secrets) {
      expect(s).toMatch(/^[A-Z2-7]{32}$/);
      expect(Secret.fromBase32(s).bytes).toHaveLength(20);
    }
  });

  it('gives a secret that verifies its own codes', () => {
    const s = newTotpSecret();
    const code = TOTP.generate({ secret: Secret.fromBase32(s), timestamp: at1111111111 });
    expect(verifyTotp(s, code, { now: at1111111111, lastUsedStep: null })).toEqual({ ok: true, step: stepB });
  });
});

describe('totpUri', () => {
  it('writes the Key URI format authenticator apps read', () => {
    expect(totpUri({ secret, account: 'admin' })).toBe(
      `otpauth://totp/Diwan:admin?issuer=Diwan&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
  });

  it('escapes the account and issuer', () => {
    const uri = totpUri({ secret, account: 'sara@example.com', issuer: 'Diwan (vps 1)' });
    expect(uri).toBe(
      `otpauth://totp/Diwan%20(vps%201):sara%40example.com?issuer=Diwan%20(vps%201)&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    const parsed = URI.parse(uri);
    expect(parsed).toBeInstanceOf(TOTP);
    expect(parsed).toMatchObject({ issuer: 'Diwan (vps 1)', label: 'sara@example.com', digits: 6 });
  });

  it('refuses a colon or an empty name, which would break the label', () => {
    expect(() => totpUri({ secret, account: 'a:b' })).toThrow(TypeError);
    expect(() => totpUri({ secret, account: 'admin', issuer: 'Diwan:prod' })).toThrow(TypeError);
    expect(() => totpUri({ secret, account: '' })).toThrow(TypeError);
  });
});

describe('totpQrSvg', () => {
  it('draws a self-contained SVG', async () => {
    const svg = await totpQrSvg(totpUri({ secret, account: 'admin' }));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    for (const external of ['href', '<script', '<image', 'url(', '<foreignobject']) {
      expect(svg.toLowerCase()).not.toContain(external);
    }
    expect(svg).not.toMatch(/\son[a-z]+=/i);
  });

  it('is deterministic, so a page reload shows the same code', async () => {
    const uri = totpUri({ secret, account: 'admin' });
    expect(await totpQrSvg(uri)).toBe(await totpQrSvg(uri));
  });
});
