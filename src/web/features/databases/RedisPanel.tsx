import { Alert, Badge, Button, Card, Code, Group, Modal, Skeleton, Stack, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../app/ErrorState.js';
import { DataTable } from '../../components/DataTable.js';
import { FactLines } from '../../components/FactLines.js';
import { api, type RedisStatus } from '../../lib/api.js';
import { formErrors } from '../../lib/errors.js';
import { formatBytes, formatDateTime, formatNumber } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { REDIS_KEY } from './keys.js';
import { NewPasswordChoice, type NewPassword } from './PasswordFields.js';

/** The host's Redis: whether it runs, its figures, persistence, and its password. */
export function RedisPanel() {
  const { t } = useTranslation();
  const status = useQuery({ queryKey: REDIS_KEY, queryFn: api.redis });
  const [shown, setShown] = useState<string | null>(null);
  if (status.isPending) return <Skeleton height={240} aria-busy="true" aria-label={t('common.loading')} />;
  if (status.isError) return <ErrorState error={status.error} onRetry={() => void status.refetch()} />;
  return (
    <Stack>
      {shown && (
        <Alert color="yellow" title={t('redis.passwordShownOnce')}>
          <Code block className="mono" data-testid="redis-password">
            {shown}
          </Code>
          <Button size="xs" mt="sm" onClick={() => setShown(null)}>
            {t('tokens.copiedDone')}
          </Button>
        </Alert>
      )}
      <Figures status={status.data} />
      <Keys status={status.data} />
      <Persistence status={status.data} />
      <Password status={status.data} onGenerated={setShown} />
    </Stack>
  );
}

function Figures({ status }: { status: RedisStatus }) {
  const { t, i18n } = useTranslation();
  const figures: [string, string, string][] = [
    [t('redis.version'), status.version ?? '—', 'redis-version'],
    [
      t('redis.memory'),
      status.usedMemoryBytes === null ? '—' : formatBytes(status.usedMemoryBytes, i18n.language),
      'redis-memory',
    ],
    [
      t('redis.clients'),
      status.clients === null ? '—' : formatNumber(status.clients, i18n.language),
      'redis-clients',
    ],
  ];
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Text fw={600}>{t('redis.title')}</Text>
        <Badge color={status.running ? 'teal' : 'red'}>
          {status.running ? t('software.running') : t('software.stopped')}
        </Badge>
      </Group>
      <Group gap="xl">
        {figures.map(([label, value, testId]) => (
          <Stack key={label} gap={2}>
            <Text size="xs" c="dimmed">
              {label}
            </Text>
            <Text fw={600} className="mono" data-testid={testId}>
              {value}
            </Text>
          </Stack>
        ))}
      </Group>
      <Text size="xs" c="dimmed" mt="sm" className="mono">
        {status.configPath}
      </Text>
    </Card>
  );
}

function Keys({ status }: { status: RedisStatus }) {
  const { t, i18n } = useTranslation();
  return (
    <Card withBorder>
      <Text fw={600} mb="sm">
        {t('redis.keys')}
      </Text>
      <DataTable
        items={status.keys}
        label={t('redis.keys')}
        minWidth={360}
        columns={[t('redis.db'), t('redis.keyCount'), t('redis.expires')]}
        empty={{ title: t('redis.noKeys') }}
        row={(db) => (
          <Table.Tr key={db.db}>
            <Table.Td className="mono">db{db.db}</Table.Td>
            <Table.Td>{formatNumber(db.keys, i18n.language)}</Table.Td>
            <Table.Td>{formatNumber(db.expires, i18n.language)}</Table.Td>
          </Table.Tr>
        )}
      />
    </Card>
  );
}

function Persistence({ status }: { status: RedisStatus }) {
  const { t, i18n } = useTranslation();
  const { persistence } = status;
  const rows: [string, string][] = [
    [
      t('redis.snapshots'),
      persistence.rdbSaves.length > 0 ? persistence.rdbSaves.join(' · ') : t('redis.snapshotsOff'),
    ],
    [t('redis.appendOnly'), persistence.appendOnly ? t('redis.on') : t('redis.off')],
    [
      t('redis.lastSave'),
      persistence.lastSaveAt === null ? '—' : formatDateTime(persistence.lastSaveAt, i18n.language),
    ],
  ];
  return (
    <Card withBorder>
      <Text fw={600} mb="sm">
        {t('redis.persistence')}
      </Text>
      <FactLines facts={rows} />
    </Card>
  );
}

/** Set or change the password: typed or generated, after a confirmation (Redis restarts). */
function Password({ status, onGenerated }: { status: RedisStatus; onGenerated: (password: string) => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [choice, setChoice] = useState<NewPassword>({ mode: 'generate', password: '' });
  const [confirming, setConfirming] = useState(false);
  const done = () => {
    close();
    setConfirming(false);
    setChoice({ mode: 'generate', password: '' });
  };
  const save = useMutation({
    mutationFn: () => api.setRedisPassword(choice.mode === 'given' ? choice.password : undefined),
    onSuccess: (result) => {
      client.setQueryData(REDIS_KEY, result.status);
      if (result.password) onGenerated(result.password);
      notifySuccess(t('redis.passwordSet'));
      done();
    },
    onError: () => setConfirming(false),
  });
  const { fieldError, other } = formErrors(t, save.error, ['password'], 'database');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirming) save.mutate();
    else setConfirming(true);
  };
  const action = status.passwordSet ? t('redis.changePassword') : t('redis.setPassword');
  return (
    <Card withBorder>
      <Group justify="space-between">
        <Stack gap={2}>
          <Text fw={600}>{t('redis.password')}</Text>
          <Text size="sm" c="dimmed">
            {status.passwordSet ? t('redis.passwordIsSet') : t('redis.noPassword')}
          </Text>
        </Stack>
        <Button variant="default" onClick={open}>
          {action}
        </Button>
      </Group>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={opened}
        onClose={done}
        title={action}
      >
        <form onSubmit={submit} noValidate>
          <Stack>
            <NewPasswordChoice
              label={t('redis.password')}
              value={choice}
              onChange={(next) => {
                setChoice(next);
                setConfirming(false);
              }}
              error={fieldError('password')}
            />
            {confirming && (
              <Alert color="orange" role="alert" title={t('redis.confirmTitle')}>
                {t('redis.confirmMessage')}
              </Alert>
            )}
            {other && (
              <Alert color="red" role="alert">
                {other}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={done}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" color={confirming ? 'orange' : undefined} loading={save.isPending}>
                {confirming ? t('redis.confirmRestart') : action}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Card>
  );
}
