import { Alert, Badge, Button, Card, Group, Modal, Select, Stack, Switch, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { DataTable } from '../../components/DataTable.js';
import { api, type DatabaseDetail, type DatabaseUser, type DatabaseUserWithPassword } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { DATABASES_KEY, databaseKey, engineUsersKey } from './keys.js';
import { RevealPassword } from './RevealPassword.js';
import { ChangePasswordForm, CreateUserForm, HostsForm } from './UserForms.js';

type Dialog = { kind: 'add' } | { kind: 'password' | 'hosts'; user: DatabaseUser };

/** The users granted on a database, and what may be done with each. */
export function DatabaseUsers({ database }: { database: DatabaseDetail }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: DATABASES_KEY });
  const saved = (message: string) => (user: DatabaseUserWithPassword) => {
    setDialog(null);
    if (user.password) setShown({ username: user.username, password: user.password });
    notifySuccess(message);
    refresh();
  };
  return (
    <Stack>
      <Card withBorder>
        <Group justify="space-between" mb="md">
          <Text size="sm" c="dimmed">
            {t(`databases.usersHint.${database.engine}`)}
          </Text>
          <Button onClick={() => setDialog({ kind: 'add' })}>{t('databases.addUser')}</Button>
        </Group>
        {shown && (
          <Alert color="yellow" mb="md" title={t('databases.passwordShownOnce', { name: shown.username })}>
            <Text className="mono" data-testid="shown-password">
              {shown.password}
            </Text>
            <Button size="xs" mt="sm" onClick={() => setShown(null)}>
              {t('tokens.copiedDone')}
            </Button>
          </Alert>
        )}
        <DataTable
          items={database.users}
          label={t('databases.users')}
          minWidth={720}
          columns={[t('databases.username'), t('databases.access'), null]}
          empty={{ title: t('databases.noUsers') }}
          row={(user) => (
            <Table.Tr key={user.id}>
              <Table.Td>
                <Group gap="xs">
                  <Text className="mono">{user.username}</Text>
                  {user.owner && <Badge>{t('databases.owner')}</Badge>}
                </Group>
              </Table.Td>
              <Table.Td>
                {database.engine === 'mariadb' ? (
                  <HostsSummary hosts={user.hosts} />
                ) : (
                  <RemoteAccess databaseId={database.id} user={user} onSaved={refresh} />
                )}
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap" justify="flex-end">
                  <RevealPassword databaseId={database.id} user={user} />
                  <Button
                    size="xs"
                    variant="default"
                    aria-label={t('databases.changePasswordNamed', { name: user.username })}
                    onClick={() => setDialog({ kind: 'password', user })}
                  >
                    {t('databases.changePassword')}
                  </Button>
                  {database.engine === 'mariadb' && (
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={t('databases.editHostsNamed', { name: user.username })}
                      onClick={() => setDialog({ kind: 'hosts', user })}
                    >
                      {t('databases.editHosts')}
                    </Button>
                  )}
                  {!user.owner && <Revoke database={database} user={user} onDone={refresh} />}
                </Group>
              </Table.Td>
            </Table.Tr>
          )}
        />
      </Card>
      <GrantUser database={database} />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        title={
          dialog?.kind === 'add'
            ? t('databases.addUserTo', { name: database.name })
            : dialog?.kind === 'password'
              ? t('databases.changePasswordNamed', { name: dialog.user.username })
              : dialog
                ? t('databases.editHostsNamed', { name: dialog.user.username })
                : ''
        }
      >
        {dialog?.kind === 'add' && (
          <CreateUserForm database={database} onCreated={saved(t('databases.userAdded'))} />
        )}
        {dialog?.kind === 'password' && (
          <ChangePasswordForm
            databaseId={database.id}
            user={dialog.user}
            onSaved={saved(t('databases.passwordChanged', { name: dialog.user.username }))}
          />
        )}
        {dialog?.kind === 'hosts' && (
          <HostsForm
            databaseId={database.id}
            user={dialog.user}
            onSaved={saved(t('databases.hostsSaved', { name: dialog.user.username }))}
          />
        )}
      </Modal>
    </Stack>
  );
}

function HostsSummary({ hosts }: { hosts: readonly string[] }) {
  const { t } = useTranslation();
  if (hosts.length === 1 && hosts[0] === 'localhost')
    return <Text size="sm">{t('databases.hosts.local')}</Text>;
  if (hosts.length === 1 && hosts[0] === '%') return <Text size="sm">{t('databases.hosts.anywhere')}</Text>;
  return (
    <Text size="sm" className="mono">
      {hosts.join(', ')}
    </Text>
  );
}

/** PostgreSQL: whether pg_hba.conf lets the role in from other hosts, with its password. */
function RemoteAccess({
  databaseId,
  user,
  onSaved,
}: {
  databaseId: string;
  user: DatabaseUser;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const update = useMutation({
    mutationFn: (remoteAccess: boolean) => api.updateDatabaseUser(databaseId, user.id, { remoteAccess }),
    onSuccess: (updated) => {
      client.setQueryData(
        databaseKey(databaseId),
        (previous: DatabaseDetail | undefined) =>
          previous && {
            ...previous,
            users: previous.users.map((other) => (other.id === updated.id ? updated : other)),
          },
      );
      notifySuccess(
        t(updated.remoteAccess ? 'databases.remoteOn' : 'databases.remoteOff', { name: user.username }),
      );
      onSaved();
    },
    onError: (error) => notifyFailure(errorMessage(t, error, 'database')),
  });
  return (
    <Switch
      label={t('databases.remoteAccess')}
      aria-label={t('databases.remoteAccessNamed', { name: user.username })}
      checked={user.remoteAccess}
      disabled={update.isPending}
      onChange={(event) => update.mutate(event.currentTarget.checked)}
    />
  );
}

function Revoke({
  database,
  user,
  onDone,
}: {
  database: DatabaseDetail;
  user: DatabaseUser;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const revoke = useMutation({
    mutationFn: () => api.revokeDatabaseUser(database.id, user.id),
    onSuccess: () => {
      notifySuccess(t('databases.revoked', { name: user.username }));
      onDone();
    },
    onError: (error) => notifyFailure(errorMessage(t, error, 'database')),
  });
  return (
    <ConfirmButton
      size="xs"
      loading={revoke.isPending}
      title={t('databases.revokeTitle', { name: user.username })}
      message={t('databases.revokeMessage', { name: user.username, database: database.name })}
      confirmLabel={t('databases.revoke')}
      aria-label={t('databases.revokeNamed', { name: user.username })}
      onConfirm={() => revoke.mutate()}
    >
      {t('databases.revoke')}
    </ConfirmButton>
  );
}

/** Gives a user of another database of the same engine all privileges on this one. */
function GrantUser({ database }: { database: DatabaseDetail }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const others = useQuery({
    queryKey: engineUsersKey(database.engine),
    queryFn: () => api.engineUsers(database.engine),
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const granted = new Set(database.users.map((user) => user.id));
  const candidates = (others.data?.users ?? []).filter((user) => !granted.has(user.id));
  const grant = useMutation({
    mutationFn: (userId: string) => api.grantDatabaseUser(database.id, userId),
    onSuccess: (user) => {
      setChosen(null);
      notifySuccess(t('databases.granted', { name: user.username, database: database.name }));
      void client.invalidateQueries({ queryKey: DATABASES_KEY });
    },
    onError: (error) => notifyFailure(errorMessage(t, error, 'database')),
  });
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Text fw={600}>{t('databases.grantTitle')}</Text>
        <Text size="sm" c="dimmed">
          {t('databases.grantHint')}
        </Text>
        <Group align="flex-end">
          <Select
            label={t('databases.grantUser')}
            placeholder={candidates.length === 0 ? t('databases.noOtherUsers') : undefined}
            disabled={candidates.length === 0}
            searchable
            value={chosen}
            onChange={setChosen}
            data={candidates.map((user) => ({
              value: user.id,
              label: `${user.username} (${user.databases.join(', ')})`,
            }))}
            miw={280}
          />
          <Button disabled={!chosen} loading={grant.isPending} onClick={() => chosen && grant.mutate(chosen)}>
            {t('databases.grant')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
