import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** "Settings · Diwan": the tab's title names the page, in the user's language. */
export function usePageTitle(title: string): void {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
}
