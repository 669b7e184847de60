import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { api, type CreatedApiToken } from '../../lib/api.js';
import { errorMessage, formErrors } from '../../lib/errors.js';
import { formatDateTime } from '../../lib/format.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';

const KEY = ['tokens'] as const;
const DAY = 24 * 60 * 60 * 1000;
const EXPIRIES = ['never', '7', '30', '90', '365'] as const;

export function TokensPanel() {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: KEY, queryFn: api.tokens });
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const revoke = useMutation({
    mutationFn: api.revokeToken,
    onSuccess: () => {
      notifySuccess(t('tokens.revoked'));
      void client.invalidateQueries({ queryKey: KEY });
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  return (
    <Stack gap="lg">
      <CreateTokenForm
        onCreated={(token) => {
          setCreated(token);
          void client.invalidateQueries({ queryKey: KEY });
        }}
      />
      {created && <CreatedToken token={created} onDone={() => setCreated(null)} />}
      <Card withBorder>
        <Title order={2} size="h4" mb="md">
          {t('tokens.listTitle')}
        </Title>
        <DataTable
          query={tokens}
          items={tokens.data}
          columns={[t('tokens.name'), t('tokens.scope'), t('tokens.expires'), t('tokens.lastUsed'), null]}
          empty={{ title: t('tokens.empty'), hint: t('tokens.emptyHint') }}
          skeletonRows={2}
          row={(token) => (
            <Table.Tr key={token.id}>
              <Table.Td>{token.name}</Table.Td>
              <Table.Td>
                <Badge color={token.scope === 'admin' ? 'red' : 'blue'}>
                  {t(`tokens.scopes.${token.scope}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                {token.expiresAt ? formatDateTime(token.expiresAt, i18n.language) : t('tokens.never')}
              </Table.Td>
              <Table.Td>
                {token.lastUsedAt ? formatDateTime(token.lastUsedAt, i18n.language) : t('tokens.unused')}
              </Table.Td>
              <Table.Td>
                <ConfirmButton
                  size="xs"
                  title={t('tokens.revokeTitle')}
                  message={t('tokens.revokeMessage', { name: token.name })}
                  confirmLabel={t('tokens.revoke')}
                  aria-label={t('tokens.revokeNamed', { name: token.name })}
                  onConfirm={() => revoke.mutate(token.id)}
                >
                  {t('tokens.revoke')}
                </ConfirmButton>
              </Table.Td>
            </Table.Tr>
          )}
        />
      </Card>
    </Stack>
  );
}

export function CreateTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'admin'>('read');
  const [expiry, setExpiry] = useState<(typeof EXPIRIES)[number]>('90');
  const [allowedIps, setAllowedIps] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: () =>
      api.createToken({
        name,
        scope,
        ...(expiry === 'never' ? {} : { expiresAt: Date.now() + Number(expiry) * DAY }),
        ...(allowedIps.length > 0 ? { allowedIps } : {}),
      }),
    onSuccess: (token) => {
      setName('');
      setAllowedIps([]);
      notifySuccess(t('tokens.created'));
      onCreated(token);
    },
  });
  const { fieldError, other } = formErrors(t, create.error, ['name', 'expiresAt', 'allowedIps']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {t('tokens.createTitle')}
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        {t('tokens.explain')}
      </Text>
      <form onSubmit={submit} noValidate>
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              label={t('tokens.name')}
              required
              value={name}
              error={fieldError('name')}
              onChange={(event) => setName(event.currentTarget.value)}
            />
            <Select
              label={t('tokens.scope')}
              value={scope}
              allowDeselect={false}
              onChange={(value) => setScope(value === 'admin' ? 'admin' : 'read')}
              data={[
                { value: 'read', label: t('tokens.scopes.read') },
                { value: 'admin', label: t('tokens.scopes.admin') },
              ]}
            />
            <Select
              label={t('tokens.expiry')}
              value={expiry}
              allowDeselect={false}
              error={fieldError('expiresAt')}
              onChange={(value) => setExpiry((value ?? '90') as (typeof EXPIRIES)[number])}
              data={EXPIRIES.map((value) => ({
                value,
                label: value === 'never' ? t('tokens.never') : t('tokens.days', { count: Number(value) }),
              }))}
            />
          </SimpleGrid>
          <TagsInput
            label={t('tokens.allowedIps')}
            description={t('tokens.allowedIpsHint')}
            value={allowedIps}
            error={fieldError('allowedIps')}
            onChange={setAllowedIps}
            splitChars={[',', ' ']}
          />
          {other && (
            <Alert color="red" role="alert">
              {other}
            </Alert>
          )}
          <Button type="submit" loading={create.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('tokens.create')}
          </Button>
        </Stack>
      </form>
    </Card>
  );
}

function CreatedToken({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="yellow" title={t('tokens.shownOnce', { name: token.name })}>
      <Stack gap="sm">
        <Code block className="mono" data-testid="created-token">
          {token.token}
        </Code>
        <Group>
          <CopyButton value={token.token}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" onClick={copy}>
                {copied ? t('common.copied') : t('common.copy')}
              </Button>
            )}
          </CopyButton>
          <Button size="xs" onClick={onDone}>
            {t('tokens.copiedDone')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
