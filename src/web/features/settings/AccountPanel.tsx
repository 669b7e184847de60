import { Card, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../contract/auth.js';
import { useMe, useSetMe } from '../../app/auth.js';
import { applyLocale } from '../../i18n/index.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { PasswordForm } from './PasswordForm.js';

export function AccountPanel() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const setMe = useSetMe();
  const saveLocale = useMutation({
    mutationFn: (locale: Locale | null) => api.updateMe({ locale }),
    onSuccess: async (updated) => {
      setMe(updated);
      if (updated.user.locale === 'en' || updated.user.locale === 'ar')
        await applyLocale(updated.user.locale);
      notifySuccess(i18n.t('settings.language.saved'));
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  return (
    <Stack gap="lg">
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('settings.password.title')}
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          {t('settings.password.explain')}
        </Text>
        <PasswordForm onDone={() => notifySuccess(t('password.changed'))} />
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="sm" id="language-title">
          {t('settings.language.title')}
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          {t('settings.language.explain')}
        </Text>
        <SegmentedControl
          aria-labelledby="language-title"
          value={me.data?.user.locale ?? i18n.language}
          onChange={(value) => saveLocale.mutate(value as Locale)}
          data={[
            { value: 'en', label: 'English' },
            { value: 'ar', label: 'العربية' },
          ]}
        />
      </Card>
    </Stack>
  );
}
