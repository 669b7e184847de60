import { intlLocale } from '../i18n/index.js';

export function formatDateTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

export function formatNumber(value: number, locale: string, digits = 0): string {
  return new Intl.NumberFormat(intlLocale(locale), {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(value);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** 1536 → "1.5 kB" ("1.5 ك.ب" in Arabic), in powers of 1024 as tools on the host show them. */
export function formatBytes(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'unit',
    unit: UNITS[unit],
    // ICU's short form of a lone byte is "812 byte" in English: whole words below a kilobyte.
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

export function formatPercent(value: number, locale: string): string {
  return new Intl.NumberFormat(intlLocale(locale), { style: 'percent', maximumFractionDigits: 0 }).format(
    value / 100,
  );
}

/** 93784 → "1 d 2 h 3 min" in the user's language (Intl's duration formatting is not in Node 20). */
export function formatUptime(seconds: number, locale: string): string {
  const parts: string[] = [];
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const unit = (value: number, name: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(intlLocale(locale), { style: 'unit', unit: name, unitDisplay: 'long' }).format(
      value,
    );
  if (days > 0) parts.push(unit(days, 'day'));
  if (hours > 0 || days > 0) parts.push(unit(hours, 'hour'));
  parts.push(unit(minutes, 'minute'));
  return new Intl.ListFormat(intlLocale(locale), { style: 'narrow', type: 'unit' }).format(parts);
}
