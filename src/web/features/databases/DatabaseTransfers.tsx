import { Button, Card, Group, Input, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { DataTable } from '../../components/DataTable.js';
import { TaskPanel } from '../../components/TaskPanel.js';
import { api, type DatabaseDetail } from '../../lib/api.js';
import { errorMessage, formErrors } from '../../lib/errors.js';
import { formatBytes, formatDateTime } from '../../lib/format.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { DATABASES_KEY, exportsKey } from './keys.js';

interface Running {
  id: string;
  kind: 'export' | 'import';
}

/** Export to a gzipped dump to download, import a dump uploaded or on the server: both as tasks. */
export function DatabaseTransfers({ database }: { database: DatabaseDetail }) {
  const [running, setRunning] = useState<Running | null>(null);
  return (
    <Stack>
      {running && <RunningTransfer database={database} running={running} onClose={() => setRunning(null)} />}
      <Exports database={database} busy={running !== null} onTask={setRunning} />
      <Import database={database} busy={running !== null} onTask={setRunning} />
    </Stack>
  );
}

function RunningTransfer({
  database,
  running,
  onClose,
}: {
  database: DatabaseDetail;
  running: Running;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const name = database.name;
  return (
    <TaskPanel
      id={running.id}
      title={t(`databases.${running.kind}Task`, { name })}
      onClose={onClose}
      onFinished={(state) => {
        void client.invalidateQueries({ queryKey: DATABASES_KEY });
        if (state === 'succeeded') notifySuccess(t(`databases.${running.kind}Done`, { name }));
        else notifyFailure(t(`databases.${running.kind}Failed`, { name }));
      }}
    />
  );
}

/** `<id>-<ms>.sql.gz` on the server downloads as `<name>-<ms>.sql.gz`: shown by that name. */
function downloadName(database: DatabaseDetail, file: string): string {
  return `${database.name}-${file.slice(database.id.length + 1)}`;
}

/** What both halves of the tab get: the database, whether a task runs, and how to start one. */
interface TransferProps {
  database: DatabaseDetail;
  busy: boolean;
  onTask: (running: Running) => void;
}

function Exports({ database, busy, onTask }: TransferProps) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const exports = useQuery({
    queryKey: exportsKey(database.id),
    queryFn: () => api.databaseExports(database.id),
  });
  const start = useMutation({
    mutationFn: () => api.exportDatabase(database.id),
    onSuccess: (task) => onTask({ id: task.id, kind: 'export' }),
    onError: (error) => notifyFailure(errorMessage(t, error, 'database')),
  });
  const remove = useMutation({
    mutationFn: (file: string) => api.deleteDatabaseExport(database.id, file),
    onSuccess: () => {
      notifySuccess(t('databases.exportDeleted'));
      void client.invalidateQueries({ queryKey: exportsKey(database.id) });
    },
    onError: (error) => notifyFailure(errorMessage(t, error, 'database')),
  });
  return (
    <Card withBorder>
      <Group justify="space-between" mb="md">
        <Stack gap={2}>
          <Text fw={600}>{t('databases.exportHeading')}</Text>
          <Text size="sm" c="dimmed">
            {t('databases.exportHint')}
          </Text>
        </Stack>
        <Button disabled={busy} loading={start.isPending} onClick={() => start.mutate()}>
          {t('databases.export')}
        </Button>
      </Group>
      <DataTable
        query={exports}
        items={exports.data?.exports}
        label={t('databases.exports')}
        columns={[t('databases.exportFile'), t('databases.size'), t('databases.exportedAt'), null]}
        empty={{ title: t('databases.noExports') }}
        row={(file) => (
          <Table.Tr key={file.file}>
            <Table.Td className="mono">{downloadName(database, file.file)}</Table.Td>
            <Table.Td>{formatBytes(file.sizeBytes, i18n.language)}</Table.Td>
            <Table.Td>{formatDateTime(file.createdAt, i18n.language)}</Table.Td>
            <Table.Td>
              <Group gap="xs" wrap="nowrap" justify="flex-end">
                <Button
                  component="a"
                  href={api.databaseExportUrl(database.id, file.file)}
                  download
                  size="xs"
                  variant="default"
                  aria-label={t('databases.downloadNamed', { name: downloadName(database, file.file) })}
                >
                  {t('databases.download')}
                </Button>
                <ConfirmButton
                  size="xs"
                  title={t('databases.deleteExportTitle')}
                  message={t('databases.deleteExportMessage', { name: downloadName(database, file.file) })}
                  confirmLabel={t('databases.delete')}
                  aria-label={t('databases.deleteExportNamed', { name: downloadName(database, file.file) })}
                  onConfirm={() => remove.mutate(file.file)}
                >
                  {t('databases.delete')}
                </ConfirmButton>
              </Group>
            </Table.Td>
          </Table.Tr>
        )}
      />
    </Card>
  );
}

/** A dump from this computer (uploaded first) or a path on the server, after a confirmation. */
function Import({ database, busy, onTask }: TransferProps) {
  const { t } = useTranslation();
  const fileId = useId();
  const [source, setSource] = useState<'upload' | 'path'>('upload');
  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState('');
  const start = useMutation({
    mutationFn: async () => {
      if (source === 'path') return api.importDatabase(database.id, { path: path.trim() });
      const upload = await api.uploadDump(file!);
      return api.importDatabase(database.id, { upload: upload.id });
    },
    onSuccess: (task) => onTask({ id: task.id, kind: 'import' }),
  });
  const { fieldError, other } = formErrors(t, start.error, ['path', 'upload', 'body'], 'database');
  const ready = source === 'upload' ? file !== null : path.trim() !== '';
  return (
    <Card withBorder>
      <Stack>
        <Stack gap={2}>
          <Text fw={600}>{t('databases.importHeading')}</Text>
          <Text size="sm" c="dimmed">
            {t('databases.importHint')}
          </Text>
        </Stack>
        <SegmentedControl
          aria-label={t('databases.importFrom')}
          value={source}
          onChange={(value) => setSource(value === 'path' ? 'path' : 'upload')}
          data={[
            { value: 'upload', label: t('databases.importUpload') },
            { value: 'path', label: t('databases.importPath') },
          ]}
          style={{ alignSelf: 'flex-start' }}
        />
        {source === 'upload' ? (
          <Input.Wrapper
            label={t('databases.dumpFile')}
            description={t('databases.dumpFileHint')}
            id={fileId}
            error={fieldError('upload') ?? fieldError('body')}
          >
            <input
              id={fileId}
              type="file"
              accept=".sql,.gz,application/sql,application/gzip"
              onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
              style={{ display: 'block', marginTop: 6 }}
            />
          </Input.Wrapper>
        ) : (
          <TextInput
            label={t('databases.serverPath')}
            description={t('databases.serverPathHint')}
            className="mono"
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={fieldError('path')}
          />
        )}
        {other && (
          <Text c="red" size="sm" role="alert">
            {other}
          </Text>
        )}
        <ConfirmButton
          color="blue"
          variant="filled"
          disabled={busy || !ready}
          loading={start.isPending}
          title={t('databases.importTitle', { name: database.name })}
          message={t('databases.importMessage', { name: database.name })}
          confirmLabel={t('databases.import')}
          onConfirm={() => start.mutate()}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('databases.import')}
        </ConfirmButton>
      </Stack>
    </Card>
  );
}
