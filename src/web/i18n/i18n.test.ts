import { describe, expect, it } from 'vitest';
import { auditActorTypes, auditOutcomes } from '../../contract/audit.js';
import { databaseEngines } from '../../contract/databases.js';
import { errorCodes } from '../../contract/errors.js';
import { serviceActions, softwareActions } from '../../contract/software.js';
import { taskStates } from '../../contract/tasks.js';
import { apiTokenSchema } from '../../contract/tokens.js';
import { redirectCodes, rewritePresets, siteTypes } from '../../contract/websites.js';
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

  it('has, in both languages, every key the code asks for', () => {
    const missing = usedKeys().flatMap(({ key, file }) =>
      key === null
        ? []
        : [english, arabic]
            .filter((language) => !hasKey(language, key))
            .map((language) => `${key} (${file}, ${language === english ? 'en' : 'ar'})`),
    );
    expect(missing).toEqual([]);
  });

  it('has, in both languages, a key for every value a key built at run time can take', () => {
    const templates = usedKeys().filter((used) => used.template !== null);
    // Not vacuous: the scan finds the keys the pages build (error codes, task states …).
    expect(templates.map((used) => used.template)).toContain('errors.code.${}');
    const missing: string[] = [];
    for (const { template, file } of templates) {
      const values = RUNTIME_VALUES[template!];
      if (values === 'elsewhere') continue;
      if (values === undefined) {
        // Values known only to the page (its tabs, its sorts): at least one key must fit the pattern.
        const pattern = new RegExp(`^${template!.split('${}').map(escapeRegExp).join('[^.]+')}$`);
        for (const language of [english, arabic])
          if (![...language.keys()].some((key) => pattern.test(base(key))))
            missing.push(`${template} (${file}): no key fits`);
        continue;
      }
      for (const value of values)
        for (const language of [english, arabic])
          if (!hasKey(language, template!.replace('${}', String(value))))
            missing.push(
              `${template!.replace('${}', String(value))} (${file}, ${language === english ? 'en' : 'ar'})`,
            );
    }
    expect(missing).toEqual([]);
  });
});

/** Every source file of the SPA (not the tests), as text. */
const SOURCES = import.meta.glob(['../**/*.ts', '../**/*.tsx', '!../**/*.test.ts', '!../**/*.test.tsx'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/**
 * Keys the code builds at run time, by their pattern (`${}` for the variable part), and where their
 * values come from: the contract, so that a new state, type or code without words fails here.
 * `elsewhere`: checked by a test of its own (the audit log's actions: audit-actions.test.ts).
 */
const RUNTIME_VALUES: Record<string, readonly (string | number)[] | 'elsewhere'> = {
  'errors.code.${}': [...errorCodes, 'NETWORK'],
  // A field without words of its own falls back to the error code's (lib/errors.ts).
  'errors.field.${}': [],
  'audit.actions.${}': 'elsewhere',
  'audit.actorTypes.${}': auditActorTypes,
  'audit.outcomes.${}': auditOutcomes,
  'tasks.states.${}': taskStates,
  'databases.engines.${}': databaseEngines,
  'databases.connectionHint.${}': databaseEngines,
  'databases.usersHint.${}': databaseEngines,
  'websites.types.${}': siteTypes,
  'websites.rewrites.${}': rewritePresets,
  'websites.codes.${}': redirectCodes,
  'tokens.scopes.${}': apiTokenSchema.shape.scope.options,
  'software.actions.${}': serviceActions,
  'software.done.${}': softwareActions,
  'software.taskTitle.${}': ['install', 'uninstall'],
};

interface UsedKey {
  file: string;
  /** A literal key, or null for a built one. */
  key: string | null;
  /** A built key's pattern, `${}` where the code puts a value. */
  template: string | null;
}

/** `t('…')`, `i18n.t("…")`, `i18nKey="…"` and `t(`prefix.${value}`)` in the SPA's code. */
function usedKeys(): UsedKey[] {
  const found: UsedKey[] = [];
  for (const [file, text] of Object.entries(SOURCES)) {
    for (const match of text.matchAll(/\bt\(\s*(['"])([^'"\n]+)\1|i18nKey=\{?\s*(['"])([^'"\n]+)\3/g))
      found.push({ file, key: match[2] ?? match[4]!, template: null });
    for (const match of text.matchAll(/\bt\(\s*`([^`]*)`/g)) {
      const raw = match[1]!;
      if (raw.includes('${')) found.push({ file, key: null, template: raw.replace(/\$\{[^}]*\}/g, '${}') });
      else found.push({ file, key: raw, template: null });
    }
  }
  // Not vacuous: the scan sees the login page's own words.
  expect(found.map((used) => used.key)).toContain('login.title');
  return found;
}

/** A key, or its plural forms. */
function hasKey(language: Map<string, string>, key: string): boolean {
  return language.has(key) || language.has(`${key}_other`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
