import { Alert, Button, PasswordInput, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.js';
import { formErrors } from '../../lib/errors.js';

/** Current password, new password twice. The server checks the rules and names the field at fault. */
export function PasswordForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: () => api.changePassword({ currentPassword: current, newPassword: next }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
      onDone();
    },
  });
  const { fieldError, other: generalError } = formErrors(t, change.error, ['currentPassword', 'newPassword']);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMismatch(next !== confirm);
    if (next !== confirm) return;
    change.mutate();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={420}>
        <PasswordInput
          label={t('password.current')}
          autoComplete="current-password"
          required
          value={current}
          error={fieldError('currentPassword')}
          onChange={(event) => setCurrent(event.currentTarget.value)}
        />
        <PasswordInput
          label={t('password.new')}
          description={t('password.rules')}
          autoComplete="new-password"
          required
          value={next}
          error={fieldError('newPassword')}
          onChange={(event) => setNext(event.currentTarget.value)}
        />
        <PasswordInput
          label={t('password.confirm')}
          autoComplete="new-password"
          required
          value={confirm}
          error={mismatch ? t('password.mismatch') : undefined}
          onChange={(event) => setConfirm(event.currentTarget.value)}
        />
        {generalError && (
          <Alert color="red" role="alert">
            {generalError}
          </Alert>
        )}
        <Button type="submit" loading={change.isPending} style={{ alignSelf: 'flex-start' }}>
          {t('password.save')}
        </Button>
      </Stack>
    </form>
  );
}
