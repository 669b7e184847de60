import { Alert, Button, Card, NumberInput, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../app/ErrorState.js';
import { api, type SecuritySettings } from '../../lib/api.js';
import { currentEntrance } from '../../lib/entrance.js';
import { formErrors } from '../../lib/errors.js';
import { notifySuccess } from '../../lib/notify.js';

const KEY = ['security-settings'] as const;

export function SecurityPanel() {
  const settings = useQuery({ queryKey: KEY, queryFn: api.securitySettings });
  if (settings.isPending) return <Skeleton height={260} />;
  if (settings.isError) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />;
  return <SecurityForm settings={settings.data} />;
}

function SecurityForm({ settings }: { settings: SecuritySettings }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [entrance, setEntrance] = useState(settings.entrance);
  const [idleMinutes, setIdleMinutes] = useState<number | string>(settings.idleMinutes);
  const [lifetimeHours, setLifetimeHours] = useState<number | string>(settings.lifetimeHours);
  const save = useMutation({
    mutationFn: () =>
      api.updateSecuritySettings({
        ...(entrance !== settings.entrance ? { entrance } : {}),
        idleMinutes: Number(idleMinutes),
        lifetimeHours: Number(lifetimeHours),
      }),
    onSuccess: (saved) => {
      notifySuccess(t('security.saved'));
      client.setQueryData(KEY, saved);
      // The old entrance answers 404 from now on: move to the new one.
      if (saved.entrance !== currentEntrance())
        window.location.assign(`/${saved.entrance}/settings/security`);
    },
  });
  const { fieldError, other } = formErrors(t, save.error, ['entrance', 'idleMinutes', 'lifetimeHours']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const origin = window.location.origin;
  return (
    <Card withBorder>
      <form onSubmit={submit} noValidate>
        <Stack maw={520}>
          <Title order={2} size="h4">
            {t('security.entranceTitle')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('security.entranceExplain')}
          </Text>
          <TextInput
            label={t('security.entrance')}
            description={t('security.entranceRules')}
            leftSection={
              <Text size="xs" c="dimmed" className="mono">
                /
              </Text>
            }
            className="mono"
            spellCheck={false}
            value={entrance}
            error={fieldError('entrance')}
            onChange={(event) => setEntrance(event.currentTarget.value)}
          />
          {entrance !== settings.entrance && (
            <Alert color="yellow">
              {t('security.entranceWarning')} <span className="mono">{`${origin}/${entrance}`}</span>
            </Alert>
          )}
          <Title order={2} size="h4" mt="md">
            {t('security.sessionsTitle')}
          </Title>
          <NumberInput
            label={t('security.idleMinutes')}
            description={t('security.idleMinutesHint')}
            min={5}
            max={10080}
            allowDecimal={false}
            value={idleMinutes}
            error={fieldError('idleMinutes')}
            onChange={setIdleMinutes}
          />
          <NumberInput
            label={t('security.lifetimeHours')}
            description={t('security.lifetimeHoursHint')}
            min={1}
            max={720}
            allowDecimal={false}
            value={lifetimeHours}
            error={fieldError('lifetimeHours')}
            onChange={setLifetimeHours}
          />
          {other && (
            <Alert color="red" role="alert">
              {other}
            </Alert>
          )}
          <Button type="submit" loading={save.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('common.save')}
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
