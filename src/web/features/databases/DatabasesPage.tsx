import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { usePageTitle } from '../../app/page-title.js';
import { DataTable } from '../../components/DataTable.js';
import { api, type CreatedDatabase, type Database, type DatabaseEngine } from '../../lib/api.js';
import { formatBytes, formatDateTime } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { ConnectionDetails } from './ConnectionDetails.js';
import { CreateDatabaseForm } from './CreateDatabaseForm.js';
import { DeleteDatabase } from './DeleteDatabase.js';
import { DATABASES_KEY } from './keys.js';
import { RedisPanel } from './RedisPanel.js';
import { UnmanagedDatabases } from './UnmanagedDatabases.js';

const ENGINES: readonly DatabaseEngine[] = ['mariadb', 'postgresql'];
const TABS = [...ENGINES, 'redis'] as const;
type Tab = (typeof TABS)[number];
const SORTS = ['name', 'size', 'created'] as const;
type Sort = (typeof SORTS)[number];

export function DatabasesPage() {
  const { t } = useTranslation();
  usePageTitle(t('databases.title'));
  // The tab is in the URL (?tab=redis), so a reload or a shared link opens the same one.
  const [params, setParams] = useSearchParams();
  const asked = params.get('tab');
  const tab: Tab = TABS.includes(asked as Tab) ? (asked as Tab) : 'mariadb';
  return (
    <Stack>
      <Title order={1}>{t('databases.title')}</Title>
      <Tabs
        value={tab}
        onChange={(value) => setParams(value && value !== 'mariadb' ? { tab: value } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List>
          {ENGINES.map((value) => (
            <Tabs.Tab key={value} value={value}>
              {t(`databases.engines.${value}`)}
            </Tabs.Tab>
          ))}
          <Tabs.Tab value="redis">{t('redis.title')}</Tabs.Tab>
        </Tabs.List>
        {ENGINES.map((value) => (
          <Tabs.Panel key={value} value={value} pt="md">
            <EngineDatabases engine={value} />
          </Tabs.Panel>
        ))}
        <Tabs.Panel value="redis" pt="md">
          <RedisPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Sorted and searched here: a panel holds tens of databases, and the list comes whole. */
function sortedDatabases(databases: readonly Database[], search: string, sort: Sort): Database[] {
  const needle = search.trim().toLowerCase();
  const found = databases.filter((database) => database.name.includes(needle));
  const by: Record<Sort, (a: Database, b: Database) => number> = {
    name: (a, b) => a.name.localeCompare(b.name),
    size: (a, b) => (b.live?.sizeBytes ?? -1) - (a.live?.sizeBytes ?? -1),
    created: (a, b) => b.createdAt - a.createdAt,
  };
  return found.sort(by[sort]);
}

function EngineDatabases({ engine }: { engine: DatabaseEngine }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const list = useQuery({ queryKey: [...DATABASES_KEY, engine], queryFn: () => api.databases(engine) });
  const [creating, { open, close }] = useDisclosure(false);
  const [created, setCreated] = useState<CreatedDatabase | null>(null);
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<Sort>('name');
  const items = list.data && sortedDatabases(list.data.databases, search, sort);
  const searching = search.trim() !== '';
  return (
    <Card withBorder>
      <Group justify="space-between" mb="md">
        <Text c="dimmed" size="sm">
          {t('databases.explain')}
        </Text>
        <Group gap="sm">
          <UnmanagedDatabases engine={engine} />
          <Button onClick={open}>{t('databases.new')}</Button>
        </Group>
      </Group>
      {created && (
        <Alert color="yellow" mb="md" title={t('databases.shownOnce', { name: created.name })}>
          <ConnectionDetails connection={created.connection} password={created.password} />
          <Button size="xs" mt="sm" onClick={() => setCreated(null)}>
            {t('tokens.copiedDone')}
          </Button>
        </Alert>
      )}
      <Group mb="md" align="flex-end">
        <TextInput
          label={t('databases.search')}
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
        <Select
          label={t('databases.sort')}
          value={sort}
          allowDeselect={false}
          onChange={(value) => setSort((value ?? 'name') as Sort)}
          data={SORTS.map((value) => ({ value, label: t(`databases.sorts.${value}`) }))}
        />
      </Group>
      <DataTable
        query={list}
        items={items}
        label={t(`databases.engines.${engine}`)}
        columns={[
          t('databases.name'),
          t('databases.size'),
          t('databases.tables'),
          t('databases.createdAt'),
          null,
        ]}
        empty={
          searching
            ? { title: t('databases.noMatch', { search: search.trim() }) }
            : { title: t('databases.empty'), hint: t('databases.emptyHint') }
        }
        row={(database) => (
          <Table.Tr key={database.id}>
            <Table.Td>
              <Anchor component={Link} to={`/databases/${database.id}`} className="mono">
                {database.name}
              </Anchor>
            </Table.Td>
            <Table.Td>{database.live ? formatBytes(database.live.sizeBytes, i18n.language) : '—'}</Table.Td>
            <Table.Td>{database.live?.tables ?? '—'}</Table.Td>
            <Table.Td>{formatDateTime(database.createdAt, i18n.language)}</Table.Td>
            <Table.Td>
              <DeleteDatabase database={database} size="xs" />
            </Table.Td>
          </Table.Tr>
        )}
      />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={creating}
        onClose={close}
        title={t('databases.newIn', { engine: t(`databases.engines.${engine}`) })}
      >
        <CreateDatabaseForm
          engine={engine}
          onCreated={(result) => {
            close();
            setCreated(result);
            notifySuccess(t('databases.created', { name: result.name }));
            void client.invalidateQueries({ queryKey: DATABASES_KEY });
          }}
        />
      </Modal>
    </Card>
  );
}
