import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Image,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/auth.js';
import { ErrorState } from '../../app/ErrorState.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { notifySuccess } from '../../lib/notify.js';

const KEY = ['two-factor'] as const;

export function TwoFactorPanel() {
  const { t } = useTranslation();
  const status = useQuery({ queryKey: KEY, queryFn: api.twoFactor });
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  if (recoveryCodes) return <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />;
  if (status.isPending) return <Skeleton height={160} />;
  if (status.isError) return <ErrorState error={status.error} onRetry={() => void status.refetch()} />;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {t('twoFactor.title')}
        </Title>
        <Badge color={status.data.enabled ? 'teal' : 'gray'}>
          {status.data.enabled ? t('twoFactor.on') : t('twoFactor.off')}
        </Badge>
      </Group>
      {status.data.enabled ? (
        <DisableTwoFactor remaining={status.data.remainingRecoveryCodes} />
      ) : (
        <EnableTwoFactor onEnabled={setRecoveryCodes} />
      )}
      {!status.data.enabled && (
        <Text size="sm" c="dimmed" mt="md">
          {t('twoFactor.why')}
        </Text>
      )}
    </Card>
  );
}

function useRefreshTwoFactor() {
  const client = useQueryClient();
  const me = useMe();
  return () => {
    void client.invalidateQueries({ queryKey: KEY });
    void me.refetch();
  };
}

function EnableTwoFactor({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshTwoFactor();
  const [code, setCode] = useState('');
  const setup = useMutation({ mutationFn: api.twoFactorSetup });
  const enable = useMutation({
    mutationFn: () => api.twoFactorEnable(code.trim()),
    onSuccess: (result) => {
      notifySuccess(t('twoFactor.enabled'));
      refresh();
      onEnabled(result.recoveryCodes);
    },
  });
  if (!setup.data) {
    return (
      <Stack align="flex-start">
        <Text>{t('twoFactor.offExplain')}</Text>
        {setup.error && (
          <Alert color="red" role="alert">
            {errorMessage(t, setup.error)}
          </Alert>
        )}
        <Button loading={setup.isPending} onClick={() => setup.mutate()}>
          {t('twoFactor.start')}
        </Button>
      </Stack>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    enable.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text>{t('twoFactor.scan')}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Image
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.data.qrSvg)}`}
            alt={t('twoFactor.qrAlt')}
            w={200}
            h={200}
            bg="white"
            p="xs"
            radius="sm"
          />
          <Stack gap="xs">
            <Text size="sm">{t('twoFactor.manual')}</Text>
            <Code block className="mono" data-testid="totp-secret">
              {setup.data.secret}
            </Code>
          </Stack>
        </SimpleGrid>
        <TextInput
          label={t('twoFactor.code')}
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          maw={220}
          value={code}
          error={enable.error ? errorMessage(t, enable.error) : undefined}
          onChange={(event) => setCode(event.currentTarget.value)}
        />
        <Button type="submit" loading={enable.isPending} style={{ alignSelf: 'flex-start' }}>
          {t('twoFactor.confirm')}
        </Button>
      </Stack>
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('twoFactor.recoveryTitle')}
      </Title>
      <Alert color="yellow" mb="md">
        {t('twoFactor.recoveryExplain')}
      </Alert>
      <Code block className="mono" data-testid="recovery-codes">
        {codes.join('\n')}
      </Code>
      <Group mt="md">
        <CopyButton value={codes.join('\n')}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy}>
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>{t('twoFactor.saved')}</Button>
      </Group>
    </Card>
  );
}

function DisableTwoFactor({ remaining }: { remaining: number }) {
  const { t } = useTranslation();
  const refresh = useRefreshTwoFactor();
  const [code, setCode] = useState('');
  const disable = useMutation({
    mutationFn: () => api.twoFactorDisable(code.trim()),
    onSuccess: () => {
      notifySuccess(t('twoFactor.disabled'));
      setCode('');
      refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text>{t('twoFactor.onExplain', { count: remaining })}</Text>
        <TextInput
          label={t('twoFactor.disableCode')}
          autoComplete="one-time-code"
          required
          maw={260}
          value={code}
          error={disable.error ? errorMessage(t, disable.error) : undefined}
          onChange={(event) => setCode(event.currentTarget.value)}
        />
        <Button
          type="submit"
          color="red"
          variant="outline"
          loading={disable.isPending}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('twoFactor.disable')}
        </Button>
      </Stack>
    </form>
  );
}
