import { Alert, Button, Group, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  api,
  type DatabaseDetail,
  type DatabaseUser,
  type DatabaseUserWithPassword,
  type UpdateDatabaseUserBody,
} from '../../lib/api.js';
import { formErrors } from '../../lib/errors.js';
import { NewPasswordChoice, OptionalPasswordInput, type NewPassword } from './PasswordFields.js';
import { HostsField, hostsDraftOf, hostsOf, type HostsDraft } from './HostsField.js';

/** A form of the users tab: its fields, the failure no field owns, and the submit button. */
function UserForm({
  onSubmit,
  other,
  pending,
  submitLabel,
  children,
}: {
  onSubmit: () => void;
  other: string | null;
  pending: boolean;
  submitLabel: string;
  children: ReactNode;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {children}
        {other && (
          <Alert color="red" role="alert">
            {other}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={pending}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** One more user with all privileges on the database; a blank password is generated and shown once. */
export function CreateUserForm({
  database,
  onCreated,
}: {
  database: DatabaseDetail;
  onCreated: (user: DatabaseUserWithPassword) => void;
}) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [hosts, setHosts] = useState<HostsDraft>({ choice: 'local', list: '' });
  const create = useMutation({
    mutationFn: () =>
      api.createDatabaseUser(database.id, {
        username: username.trim(),
        ...(password ? { password } : {}),
        ...(database.engine === 'mariadb' ? { hosts: hostsOf(hosts) } : {}),
      }),
    onSuccess: onCreated,
  });
  const { fieldError, other } = formErrors(t, create.error, ['username', 'password', 'hosts'], 'database');
  return (
    <UserForm
      onSubmit={() => create.mutate()}
      other={other}
      pending={create.isPending}
      submitLabel={t('databases.addUser')}
    >
      <TextInput
        label={t('databases.username')}
        required
        className="mono"
        data-autofocus
        value={username}
        onChange={(event) => setUsername(event.currentTarget.value)}
        error={fieldError('username')}
      />
      <OptionalPasswordInput value={password} onChange={setPassword} error={fieldError('password')} />
      {database.engine === 'mariadb' && (
        <HostsField value={hosts} onChange={setHosts} error={fieldError('hosts')} />
      )}
    </UserForm>
  );
}

/** A form that changes one user: the answer (with a generated password, once) goes to `onSaved`. */
interface UserChangeProps {
  databaseId: string;
  user: DatabaseUser;
  onSaved: (user: DatabaseUserWithPassword) => void;
}

function useUserUpdate({ databaseId, user, onSaved }: UserChangeProps) {
  return useMutation({
    mutationFn: (body: UpdateDatabaseUserBody) => api.updateDatabaseUser(databaseId, user.id, body),
    onSuccess: onSaved,
  });
}

/** A new password, typed or generated (the generated one is shown once, by the caller). */
export function ChangePasswordForm({ databaseId, user, onSaved }: UserChangeProps) {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<NewPassword>({ mode: 'generate', password: '' });
  const update = useUserUpdate({ databaseId, user, onSaved });
  const { fieldError, other } = formErrors(t, update.error, ['password'], 'database');
  return (
    <UserForm
      onSubmit={() =>
        update.mutate(choice.mode === 'generate' ? { generate: true } : { password: choice.password })
      }
      other={other}
      pending={update.isPending}
      submitLabel={t('databases.changePassword')}
    >
      <NewPasswordChoice
        label={t('databases.passwordOf', { name: user.username })}
        value={choice}
        onChange={setChoice}
        error={fieldError('password')}
      />
    </UserForm>
  );
}

/** Where a MariaDB user may connect from, replacing what it has. */
export function HostsForm({ databaseId, user, onSaved }: UserChangeProps) {
  const { t } = useTranslation();
  const [hosts, setHosts] = useState<HostsDraft>(() => hostsDraftOf(user.hosts));
  const update = useUserUpdate({ databaseId, user, onSaved });
  const { fieldError, other } = formErrors(t, update.error, ['hosts'], 'database');
  return (
    <UserForm
      onSubmit={() => update.mutate({ hosts: hostsOf(hosts) })}
      other={other}
      pending={update.isPending}
      submitLabel={t('common.save')}
    >
      <HostsField value={hosts} onChange={setHosts} error={fieldError('hosts')} />
    </UserForm>
  );
}
