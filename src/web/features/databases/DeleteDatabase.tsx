import { Button, Group, Modal, Stack, Text, TextInput, type MantineSize } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Database } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { DATABASES_KEY, databaseKey } from './keys.js';

/** Deleting is confirmed by typing the database's name, as the API asks. */
export function DeleteDatabase({
  database,
  size,
  onDeleted,
}: {
  database: Pick<Database, 'id' | 'name'>;
  size?: MantineSize;
  onDeleted?: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [typed, setTyped] = useState('');
  const remove = useMutation({
    mutationFn: () => api.deleteDatabase(database.id, typed),
    onSuccess: () => {
      close();
      notifySuccess(t('databases.deleted', { name: database.name }));
      client.removeQueries({ queryKey: databaseKey(database.id) });
      void client.invalidateQueries({ queryKey: DATABASES_KEY });
      onDeleted?.();
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  return (
    <>
      <Button
        size={size}
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
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (typed === database.name) remove.mutate();
          }}
        >
          <Stack>
            <Text>{t('databases.deleteMessage')}</Text>
            <TextInput
              label={t('databases.typeName', { name: database.name })}
              className="mono"
              autoComplete="off"
              value={typed}
              onChange={(event) => setTyped(event.currentTarget.value)}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close} data-autofocus>
                {t('common.cancel')}
              </Button>
              <Button type="submit" color="red" disabled={typed !== database.name} loading={remove.isPending}>
                {t('databases.delete')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
