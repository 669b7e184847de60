import { Alert, Button, Center, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../lib/errors.js';

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Center p="xl">
      <Stack align="center">
        <Alert color="red" role="alert" title={t('common.failedTitle')}>
          {errorMessage(t, error)}
        </Alert>
        {onRetry && <Button onClick={onRetry}>{t('common.retry')}</Button>}
      </Stack>
    </Center>
  );
}
