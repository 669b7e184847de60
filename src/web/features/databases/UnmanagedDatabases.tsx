import { Button, Modal, Stack, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable.js';
import { api, type DatabaseEngine } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { formatBytes } from '../../lib/format.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { DATABASES_KEY } from './keys.js';

/**
 * Databases on the server that Diwan did not make (by hand, or before Diwan came), each taken into
 * Diwan's list with one press. Nothing on the server changes; their users stay as they are.
 */
export function UnmanagedDatabases({ engine }: { engine: DatabaseEngine }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const key = [...DATABASES_KEY, engine, 'unmanaged'];
  const found = useQuery({ queryKey: key, queryFn: () => api.unmanagedDatabases(engine), enabled: opened });
  const adopt = useMutation({
    mutationFn: (name: string) => api.adoptDatabase(engine, name),
    onSuccess: (database) => {
      notifySuccess(t('databases.adopted', { name: database.name }));
      void client.invalidateQueries({ queryKey: DATABASES_KEY });
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  const engineName = t(`databases.engines.${engine}`);
  return (
    <>
      <Button variant="default" onClick={open}>
        {t('databases.findExisting')}
      </Button>
      <Modal
        size="lg"
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={opened}
        onClose={close}
        title={t('databases.existingTitle', { engine: engineName })}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            {t('databases.existingHint')}
          </Text>
          <DataTable
            query={found}
            items={found.data?.databases}
            label={t('databases.existingTitle', { engine: engineName })}
            columns={[t('databases.name'), t('databases.size'), t('databases.tables'), null]}
            empty={{ title: t('databases.existingEmpty') }}
            row={(database) => (
              <Table.Tr key={database.name}>
                <Table.Td className="mono">{database.name}</Table.Td>
                <Table.Td>{formatBytes(database.sizeBytes, i18n.language)}</Table.Td>
                <Table.Td>{database.tables ?? '—'}</Table.Td>
                <Table.Td>
                  {database.adoptable ? (
                    <Button
                      size="xs"
                      loading={adopt.isPending && adopt.variables === database.name}
                      disabled={adopt.isPending}
                      aria-label={t('databases.adoptNamed', { name: database.name })}
                      onClick={() => adopt.mutate(database.name)}
                    >
                      {t('databases.adopt')}
                    </Button>
                  ) : (
                    <Text size="xs" c="dimmed">
                      {t('databases.notAdoptable')}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            )}
          />
        </Stack>
      </Modal>
    </>
  );
}
