import { Alert, Button, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe, useSetMe } from '../../app/auth.js';
import { LanguageMenu } from '../../app/LanguageMenu.js';
import { api, type Me } from '../../lib/api.js';
import { notifySuccess } from '../../lib/notify.js';
import { PasswordForm } from '../settings/PasswordForm.js';

/** A generated password opens nothing but this page: its owner picks their own first. */
export function ForcedPasswordChange({ me }: { me: Me }) {
  const { t } = useTranslation();
  const setMe = useSetMe();
  const { refetch } = useMe();
  useEffect(() => {
    document.title = t('forcedChange.documentTitle');
  }, [t]);
  return (
    <Center mih="100vh" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" w="100%" maw={480}>
        <Stack>
          <Group justify="space-between" wrap="nowrap">
            <Title order={1} size="h2">
              {t('forcedChange.title')}
            </Title>
            <LanguageMenu onChange={(locale) => void api.updateMe({ locale }).catch(() => undefined)} />
          </Group>
          <Alert color="blue">{t('forcedChange.explain', { username: me.user.username })}</Alert>
          <PasswordForm
            onDone={() => {
              notifySuccess(t('password.changed'));
              void refetch();
            }}
          />
          <Text size="sm" c="dimmed">
            {t('forcedChange.or')}
          </Text>
          <Button
            variant="default"
            onClick={() => void api.logout().finally(() => setMe(null))}
            style={{ alignSelf: 'flex-start' }}
          >
            {t('header.logout')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
