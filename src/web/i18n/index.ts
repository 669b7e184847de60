import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Locale } from '../../contract/auth.js';
import ar from './ar.json';
import en from './en.json';

export const resources = { en: { translation: en }, ar: { translation: ar } } as const;
export const LOCALES: readonly Locale[] = ['en', 'ar'];
/** Each language is named in itself, so anyone can find theirs whatever the page's language is. */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', ar: 'العربية' };
const STORAGE_KEY = 'diwan.locale';

/** The browser's choice (what it sends as Accept-Language), or the last language picked here. */
export function browserLocale(): Locale {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'ar') return stored;
  const first = navigator.languages?.[0] ?? navigator.language ?? 'en';
  return /^ar\b/i.test(first) ? 'ar' : 'en';
}

export function directionOf(locale: string): 'rtl' | 'ltr' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}

/** Intl locale: Arabic with Latin digits, which server figures (IPs, versions, sizes) are written in. */
export function intlLocale(locale: string): string {
  return locale === 'ar' ? 'ar-u-nu-latn' : 'en';
}

/** Switches the language: the page's `lang` and `dir` follow, and the choice is remembered here. */
export async function applyLocale(locale: Locale): Promise<void> {
  window.localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
  document.documentElement.dir = directionOf(locale);
  if (i18next.language !== locale) await i18next.changeLanguage(locale);
}

export async function initI18n(locale: Locale = browserLocale()): Promise<typeof i18next> {
  await i18next.use(initReactI18next).init({
    resources,
    lng: locale,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = locale;
  document.documentElement.dir = directionOf(locale);
  return i18next;
}
