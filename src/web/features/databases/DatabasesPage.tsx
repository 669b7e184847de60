import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  Modal,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../app/page-title.js';
import { DataTable } from '../../components/DataTable.js';
import { api, type CreatedDatabase, type Database, type DatabaseEngine } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { formatBytes, formatDateTime } from '../../lib/format.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { CreateDatabaseForm } from './CreateDatabaseForm.js';

const ENGINES: readonly DatabaseEngine[] = ['mariadb', 'postgresql'];
const KEY = ['databases'] as const;

export function DatabasesPage() {
  const { t } = useTranslation();
  usePageTitle(t('databases.title'));
  const [engine, setEngine] = useState<DatabaseEngine>('mariadb');
  return (
    <Stack>
      <Title order={1}>{t('databases.title')}</Title>
      <Tabs
        value={engine}
        onChange={(value) => setEngine((value ?? 'mariadb') as DatabaseEngine)}
        keepMounted={false}
      >
        <Tabs.List>
          {ENGINES.map((value) => (
            <Tabs.Tab key={value} value={value}>
              {t(`databases.engines.${value}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {ENGINES.map((value) => (
          <Tabs.Panel key={value} value={value} pt="md">
            <EngineDatabases engine={value} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

function EngineDatabases({ engine }: { engine: DatabaseEngine }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const list = useQuery({ queryKey: [...KEY, engine], queryFn: () => api.databases(engine) });
  const [creating, { open, close }] = useDisclosure(false);
  const [created, setCreated] = useState<CreatedDatabase | null>(null);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="md">
        <Text c="dimmed" size="sm">
          {t('databases.explain')}
        </Text>
        <Button onClick={open}>{t('databases.new')}</Button>
      </Group>
      {created && <CreatedNotice created={created} onDone={() => setCreated(null)} />}
      <DataTable
        query={list}
        items={list.data?.databases}
        label={t(`databases.engines.${engine}`)}
        columns={[
          t('databases.name'),
          t('databases.size'),
          t('databases.tables'),
          t('databases.created'),
          null,
        ]}
        empty={{ title: t('databases.empty'), hint: t('databases.emptyHint') }}
        row={(database) => (
          <Table.Tr key={database.id}>
            <Table.Td className="mono">{database.name}</Table.Td>
            <Table.Td>{database.live ? formatBytes(database.live.sizeBytes, i18n.language) : '—'}</Table.Td>
            <Table.Td>{database.live?.tables ?? '—'}</Table.Td>
            <Table.Td>{formatDateTime(database.createdAt, i18n.language)}</Table.Td>
            <Table.Td>
              <DeleteDatabase database={database} />
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
            void client.invalidateQueries({ queryKey: KEY });
          }}
        />
      </Modal>
    </Card>
  );
}

/** The connection details, and the generated password, shown once. */
function CreatedNotice({ created, onDone }: { created: CreatedDatabase; onDone: () => void }) {
  const { t } = useTranslation();
  const { connection } = created;
  const lines = [
    `host      ${connection.host}:${connection.port}`,
    ...(connection.socket ? [`socket    ${connection.socket}`] : []),
    `database  ${connection.database}`,
    `user      ${connection.username}`,
    ...(created.password ? [`password  ${created.password}`] : []),
  ];
  return (
    <Alert color="yellow" mb="md" title={t('databases.shownOnce', { name: created.name })}>
      <Code block className="mono" data-testid="database-connection">
        {lines.join('\n')}
      </Code>
      <Button size="xs" mt="sm" onClick={onDone}>
        {t('tokens.copiedDone')}
      </Button>
    </Alert>
  );
}

/** Deleting is confirmed by typing the database's name, as the API asks. */
function DeleteDatabase({ database }: { database: Database }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [typed, setTyped] = useState('');
  const remove = useMutation({
    mutationFn: () => api.deleteDatabase(database.id, typed),
    onSuccess: () => {
      close();
      notifySuccess(t('databases.deleted', { name: database.name }));
      void client.invalidateQueries({ queryKey: KEY });
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  return (
    <>
      <Button
        size="xs"
        color="red"
        variant="outline"
        onClick={open}
        aria-label={t('databases.deleteNamed', { name: database.name })}
      >
        {t('databases.delete')}
      </Button>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={opened}
        onClose={close}
        title={t('databases.deleteTitle', { name: database.name })}
        centered
      >
        <Stack>
          <Text>{t('databases.deleteMessage')}</Text>
          <TextInput
            label={t('databases.typeName', { name: database.name })}
            className="mono"
            value={typed}
            onChange={(event) => setTyped(event.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              disabled={typed !== database.name}
              loading={remove.isPending}
              onClick={() => remove.mutate()}
            >
              {t('databases.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
