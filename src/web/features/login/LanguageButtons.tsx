import { Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { applyLocale, LANGUAGE_NAMES, LOCALES } from '../../i18n/index.js';

/**
 * The login page's language switch: two plain buttons rather than the header's menu, whose popover
 * code would weigh on the first download (the login page has a budget of its own).
 */
export function LanguageButtons() {
  const { t, i18n } = useTranslation();
  return (
    <Group gap={4} role="group" aria-label={t('header.language')} wrap="nowrap">
      {LOCALES.map((locale) => (
        <Button
          key={locale}
          lang={locale}
          size="compact-sm"
          variant={i18n.language === locale ? 'filled' : 'subtle'}
          aria-pressed={i18n.language === locale}
          onClick={() => void applyLocale(locale)}
        >
          {LANGUAGE_NAMES[locale]}
        </Button>
      ))}
    </Group>
  );
}
