import { Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, type DatabaseUser } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { notifyFailure } from '../../lib/notify.js';

/** Asks first, since the server records every reveal in the audit log; then shows the password. */
export function RevealPassword({ databaseId, user }: { databaseId: string; user: DatabaseUser }) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  const reveal = useMutation({
    mutationFn: () => api.revealDatabasePassword(databaseId, user.id),
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  const done = () => {
    close();
    // Not kept once the dialog closes: the next reveal asks (and is audited) again.
    reveal.reset();
  };
  return (
    <>
      <Button
        size="xs"
        variant="default"
        onClick={open}
        aria-label={t('databases.revealNamed', { name: user.username })}
      >
        {t('databases.reveal')}
      </Button>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={opened}
        onClose={done}
        title={t('databases.revealTitle', { name: user.username })}
        centered
      >
        {reveal.data ? (
          <Stack>
            <Code block className="mono" data-testid="revealed-password">
              {reveal.data.password}
            </Code>
            <Group justify="flex-end">
              <CopyButton value={reveal.data.password}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy}>
                    {copied ? t('common.copied') : t('common.copy')}
                  </Button>
                )}
              </CopyButton>
              <Button onClick={done} data-autofocus>
                {t('common.close')}
              </Button>
            </Group>
          </Stack>
        ) : (
          <Stack>
            <Text>{t('databases.revealMessage')}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={done} data-autofocus>
                {t('common.cancel')}
              </Button>
              <Button loading={reveal.isPending} onClick={() => reveal.mutate()}>
                {t('databases.reveal')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
