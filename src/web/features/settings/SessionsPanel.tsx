import { Badge, Card, Group, Table, Text, Title } from '@mantine/core';
import { DataTable } from '../../components/DataTable.js';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { api } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { formatDateTime } from '../../lib/format.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';

const KEY = ['sessions'] as const;

/** "Firefox on Linux" is enough to recognise a session; the full string is in the title. */
function browserOf(userAgent: string | null): string {
  if (!userAgent) return '—';
  const browser = /(Firefox|Edg|Chrome|Safari|curl)\//.exec(userAgent)?.[1]?.replace('Edg', 'Edge');
  const system = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent)?.[1];
  return [browser, system].filter(Boolean).join(' · ') || userAgent.slice(0, 40);
}

export function SessionsPanel() {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const sessions = useQuery({ queryKey: KEY, queryFn: api.sessions });
  const onError = (error: unknown) => notifyFailure(errorMessage(t, error));
  const revoke = useMutation({
    mutationFn: api.revokeSession,
    onSuccess: () => {
      notifySuccess(t('sessions.revoked'));
      void client.invalidateQueries({ queryKey: KEY });
    },
    onError,
  });
  const revokeOthers = useMutation({
    mutationFn: api.revokeOtherSessions,
    onSuccess: (result) => {
      notifySuccess(t('sessions.othersRevoked', { count: result.revoked }));
      void client.invalidateQueries({ queryKey: KEY });
    },
    onError,
  });
  const others = sessions.data?.filter((session) => !session.current).length ?? 0;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="md">
        <Title order={2} size="h4">
          {t('sessions.title')}
        </Title>
        {others > 0 && (
          <ConfirmButton
            title={t('sessions.revokeOthersTitle')}
            message={t('sessions.revokeOthersMessage')}
            confirmLabel={t('sessions.revokeOthers')}
            onConfirm={() => revokeOthers.mutate()}
            loading={revokeOthers.isPending}
          >
            {t('sessions.revokeOthers')}
          </ConfirmButton>
        )}
      </Group>
      <DataTable
        query={sessions}
        items={sessions.data}
        columns={[
          t('sessions.device'),
          t('sessions.ip'),
          t('sessions.created'),
          t('sessions.lastSeen'),
          null,
        ]}
        empty={{ title: t('sessions.empty') }}
        skeletonRows={2}
        row={(session) => (
          <Table.Tr key={session.id}>
            <Table.Td title={session.userAgent ?? undefined}>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm">{browserOf(session.userAgent)}</Text>
                {session.current && <Badge size="sm">{t('sessions.current')}</Badge>}
              </Group>
            </Table.Td>
            <Table.Td className="mono">{session.ip ?? '—'}</Table.Td>
            <Table.Td>{formatDateTime(session.createdAt, i18n.language)}</Table.Td>
            <Table.Td>{formatDateTime(session.lastSeenAt, i18n.language)}</Table.Td>
            <Table.Td>
              {!session.current && (
                <ConfirmButton
                  size="xs"
                  title={t('sessions.revokeTitle')}
                  message={t('sessions.revokeMessage', { device: browserOf(session.userAgent) })}
                  confirmLabel={t('sessions.revoke')}
                  aria-label={t('sessions.revokeNamed', { device: browserOf(session.userAgent) })}
                  onConfirm={() => revoke.mutate(session.id)}
                >
                  {t('sessions.revoke')}
                </ConfirmButton>
              )}
            </Table.Td>
          </Table.Tr>
        )}
      />
    </Card>
  );
}
