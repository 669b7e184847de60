import { Button, Menu } from '@mantine/core';
import { IconLanguage } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../contract/auth.js';
import { applyLocale, LOCALES } from '../i18n/index.js';

import { LANGUAGE_NAMES as NAMES } from '../i18n/index.js';

/** Switches the language here; `onChange` keeps it with the account when someone is logged in. */
export function LanguageMenu({ onChange }: { onChange?: (locale: Locale) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          variant="subtle"
          style={{ flexShrink: 0 }}
          leftSection={<IconLanguage size={18} aria-hidden />}
          aria-label={t('header.language')}
        >
          {NAMES[i18n.language as Locale] ?? NAMES.en}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {LOCALES.map((locale) => (
          <Menu.Item
            key={locale}
            lang={locale}
            onClick={() => {
              void applyLocale(locale);
              onChange?.(locale);
            }}
          >
            {NAMES[locale]}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
