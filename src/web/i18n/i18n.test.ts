import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../contract/errors.js';
import ar from './ar.json';
import en from './en.json';

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [inner, text] of leaves(value, path)) out.set(inner, text);
  }
  return out;
}

/** Plural forms (`key_one`, `key_other`, Arabic's six) are one key for the comparison. */
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (key: string) => key.replace(PLURAL, '');
const english = leaves(en);
const arabic = leaves(ar);

describe('translations', () => {
  it('has every key in both English and Arabic', () => {
    const enKeys = new Set([...english.keys()].map(base));
    const arKeys = new Set([...arabic.keys()].map(base));
    expect(
      [...enKeys].filter((key) => !arKeys.has(key)),
      'missing in Arabic',
    ).toEqual([]);
    expect(
      [...arKeys].filter((key) => !enKeys.has(key)),
      'missing in English',
    ).toEqual([]);
  });

  it('gives Arabic plurals all six forms and English its two', () => {
    const plurals = new Set(
      [...english.keys(), ...arabic.keys()].filter((key) => PLURAL.test(key)).map(base),
    );
    for (const key of plurals) {
      for (const form of ['zero', 'one', 'two', 'few', 'many', 'other'])
        expect(arabic.has(`${key}_${form}`), `${key}_${form} in Arabic`).toBe(true);
      for (const form of ['one', 'other'])
        expect(english.has(`${key}_${form}`), `${key}_${form} in English`).toBe(true);
    }
  });

  it('writes Arabic in Arabic script, and keeps every {{placeholder}} of the English', () => {
    for (const [key, text] of english) {
      const translated = arabic.get(key) ?? arabic.get(`${base(key)}_other`)!;
      expect(translated, key).toMatch(/[\u0600-\u06FF]/);
      const placeholders = (value: string) => [...value.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();
      // Arabic's singular and dual forms may spell the number out, so only `other` must keep {{count}}.
      if (!/_(one|two|zero)$/.test(key)) expect(placeholders(translated), key).toEqual(placeholders(text));
    }
  });

  it('has a message for every error code the server can send', () => {
    for (const code of [...errorCodes, 'NETWORK']) {
      expect(english.has(`errors.code.${code}`), code).toBe(true);
    }
  });
});
