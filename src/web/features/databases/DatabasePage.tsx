import { Badge, Card, Group, Skeleton, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ErrorState } from '../../app/ErrorState.js';
import { usePageTitle } from '../../app/page-title.js';
import { api, type DatabaseDetail } from '../../lib/api.js';
import { formatBytes, formatDateTime } from '../../lib/format.js';
import { ConnectionDetails } from './ConnectionDetails.js';
import { DatabaseTransfers } from './DatabaseTransfers.js';
import { DatabaseUsers } from './DatabaseUsers.js';
import { DeleteDatabase } from './DeleteDatabase.js';
import { databaseKey } from './keys.js';

/** One database: its users and their access, how to connect, and import and export. */
export function DatabasePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const database = useQuery({ queryKey: databaseKey(id), queryFn: () => api.database(id) });
  usePageTitle(database.data?.name ?? t('databases.title'));
  if (database.isPending) return <Skeleton height={300} aria-busy="true" aria-label={t('common.loading')} />;
  if (database.isError) return <ErrorState error={database.error} onRetry={() => void database.refetch()} />;
  const { data } = database;
  return (
    <Stack>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={1} className="mono">
            {data.name}
          </Title>
          <Badge>{t(`databases.engines.${data.engine}`)}</Badge>
        </Group>
        <DeleteDatabase
          database={data}
          onDeleted={() =>
            void navigate(data.engine === 'mariadb' ? '/databases' : `/databases?tab=${data.engine}`)
          }
        />
      </Group>
      <Facts database={data} />
      <Tabs defaultValue="users" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="users">{t('databases.users')}</Tabs.Tab>
          <Tabs.Tab value="connection">{t('databases.connection')}</Tabs.Tab>
          <Tabs.Tab value="transfers">{t('databases.transfers')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users" pt="md">
          <DatabaseUsers database={data} />
        </Tabs.Panel>
        <Tabs.Panel value="connection" pt="md">
          <Card withBorder>
            <Stack>
              <Text size="sm" c="dimmed">
                {t(`databases.connectionHint.${data.engine}`)}
              </Text>
              <ConnectionDetails connection={data.connection} />
            </Stack>
          </Card>
        </Tabs.Panel>
        <Tabs.Panel value="transfers" pt="md">
          <DatabaseTransfers database={data} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Facts({ database }: { database: DatabaseDetail }) {
  const { t, i18n } = useTranslation();
  const { live } = database;
  // Names and figures in the monospace font; the date as the language writes it (no bidi surprises).
  const facts: [string, string, boolean?][] = [
    [t('databases.size'), live ? formatBytes(live.sizeBytes, i18n.language) : '—'],
    [t('databases.tables'), live?.tables === null || !live ? '—' : String(live.tables)],
    [t('databases.charset'), database.charset ?? '—'],
    [t('databases.collation'), database.collation ?? '—'],
    [t('databases.createdAt'), formatDateTime(database.createdAt, i18n.language), false],
  ];
  return (
    <Card withBorder>
      {!live && (
        <Text size="sm" c="orange" mb="xs">
          {t('databases.noLive')}
        </Text>
      )}
      <Group gap="xl">
        {facts.map(([label, value, mono = true]) => (
          <Stack key={label} gap={2}>
            <Text size="xs" c="dimmed">
              {label}
            </Text>
            <Text fw={600} className={mono ? 'mono' : undefined}>
              {value}
            </Text>
          </Stack>
        ))}
      </Group>
    </Card>
  );
}
