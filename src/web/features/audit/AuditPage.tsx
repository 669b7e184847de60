import {
  Badge,
  Button,
  Card,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../app/page-title.js';
import { DataTable } from '../../components/DataTable.js';
import { api, type AuditQuery } from '../../lib/api.js';
import { formatDateTime } from '../../lib/format.js';
import { auditActionLabel } from './action-label.js';

const PAGE_SIZE = 25;
const OUTCOME_COLORS: Record<string, string> = { success: 'teal', failure: 'red', denied: 'violet' };

interface Filters {
  action: string;
  actor: string;
  outcome: '' | 'success' | 'failure' | 'denied';
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { action: '', actor: '', outcome: '', from: '', to: '' };

function queryOf(filters: Filters, before: number | undefined): AuditQuery {
  const day = (value: string, end: boolean) =>
    value ? new Date(`${value}T${end ? '23:59:59.999' : '00:00:00'}`).getTime() : undefined;
  return {
    limit: PAGE_SIZE,
    ...(filters.action.trim() ? { action: filters.action.trim() } : {}),
    ...(filters.actor.trim() ? { actor: filters.actor.trim() } : {}),
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
    ...(filters.from ? { from: day(filters.from, false) } : {}),
    ...(filters.to ? { to: day(filters.to, true) } : {}),
    ...(before !== undefined ? { before } : {}),
  };
}

/** Newest first; pages go back in time by the server's keyset cursor, and return the same way. */
export function AuditPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('audit.title'));
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors.at(-1);
  const page = useQuery({
    queryKey: ['audit', filters, before],
    queryFn: () => api.audit(queryOf(filters, before)),
    placeholderData: keepPreviousData,
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([]);
  };
  const set =
    <K extends keyof Filters>(key: K) =>
    (value: Filters[K]) =>
      setDraft({ ...draft, [key]: value });

  return (
    <Stack>
      <Title order={1}>{t('audit.title')}</Title>
      <Card withBorder>
        <form onSubmit={apply} noValidate aria-label={t('audit.filters')}>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
            <TextInput
              label={t('audit.action')}
              description={t('audit.actionHint')}
              value={draft.action}
              onChange={(event) => set('action')(event.currentTarget.value)}
            />
            <TextInput
              label={t('audit.actor')}
              value={draft.actor}
              onChange={(event) => set('actor')(event.currentTarget.value)}
            />
            <Select
              label={t('audit.outcome')}
              value={draft.outcome}
              onChange={(value) => set('outcome')((value ?? '') as Filters['outcome'])}
              data={[
                { value: '', label: t('audit.anyOutcome') },
                { value: 'success', label: t('audit.outcomes.success') },
                { value: 'failure', label: t('audit.outcomes.failure') },
                { value: 'denied', label: t('audit.outcomes.denied') },
              ]}
            />
            <TextInput
              type="date"
              label={t('audit.from')}
              value={draft.from}
              onChange={(event) => set('from')(event.currentTarget.value)}
            />
            <TextInput
              type="date"
              label={t('audit.to')}
              value={draft.to}
              onChange={(event) => set('to')(event.currentTarget.value)}
            />
          </SimpleGrid>
          <Group mt="md">
            <Button type="submit">{t('audit.apply')}</Button>
            <Button
              variant="default"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
                setCursors([]);
              }}
            >
              {t('audit.reset')}
            </Button>
          </Group>
        </form>
      </Card>
      <Card withBorder>
        <DataTable
          query={page}
          items={page.data?.entries}
          label={t('audit.title')}
          minWidth={760}
          skeletonRows={6}
          columns={[
            t('audit.time'),
            t('audit.actor'),
            t('audit.action'),
            t('audit.target'),
            t('audit.outcome'),
            t('audit.ip'),
          ]}
          empty={{ title: t('audit.empty'), hint: t('audit.emptyHint') }}
          row={(entry) => (
            <Table.Tr key={entry.id}>
              <Table.Td>{formatDateTime(entry.at, i18n.language)}</Table.Td>
              <Table.Td className="mono">
                {entry.actorName ??
                  t(`audit.actorTypes.${entry.actorType}`, { defaultValue: entry.actorType })}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{auditActionLabel(t, entry.action)}</Text>
                <Text size="xs" c="dimmed" className="mono">
                  {entry.action}
                </Text>
              </Table.Td>
              <Table.Td className="mono">{entry.target ?? '—'}</Table.Td>
              <Table.Td>
                <Badge color={OUTCOME_COLORS[entry.outcome] ?? 'gray'}>
                  {t(`audit.outcomes.${entry.outcome}`, { defaultValue: entry.outcome })}
                </Badge>
              </Table.Td>
              <Table.Td className="mono">{entry.ip ?? '—'}</Table.Td>
            </Table.Tr>
          )}
        />
        <Group justify="space-between" mt="md">
          <Button
            variant="default"
            disabled={cursors.length === 0}
            leftSection={<IconChevronLeft size={16} className="flip-rtl" aria-hidden />}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            {t('audit.newer')}
          </Button>
          <Text size="sm" c="dimmed">
            {t('audit.page', { page: cursors.length + 1 })}
          </Text>
          <Button
            variant="default"
            disabled={!page.data?.nextBefore}
            rightSection={<IconChevronRight size={16} className="flip-rtl" aria-hidden />}
            onClick={() => page.data?.nextBefore && setCursors([...cursors, page.data.nextBefore])}
          >
            {t('audit.older')}
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}
