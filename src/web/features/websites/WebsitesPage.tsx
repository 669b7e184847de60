import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import type { SiteType } from '../../../contract/websites.js';
import { usePageTitle } from '../../app/page-title.js';
import { DataTable } from '../../components/DataTable.js';
import { api, type WebsiteQuery } from '../../lib/api.js';
import { formatDateTime } from '../../lib/format.js';
import { notifySuccess } from '../../lib/notify.js';
import { CreateWebsiteForm } from './CreateWebsiteForm.js';

const TYPES: readonly SiteType[] = ['static', 'php', 'proxy', 'redirect'];
const SORTS = ['domain', 'type', 'created'] as const;
export const WEBSITES_KEY = ['websites'] as const;

export function WebsitesPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('websites.title'));
  const client = useQueryClient();
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [type, setType] = useState<SiteType | ''>('');
  const [sort, setSort] = useState<(typeof SORTS)[number]>('domain');
  const [creating, { open, close }] = useDisclosure(false);
  const query: WebsiteQuery = {
    sort,
    order: sort === 'created' ? 'desc' : 'asc',
    limit: 200,
    ...(search.trim() ? { search: search.trim() } : {}),
    ...(type ? { type } : {}),
  };
  const list = useQuery({
    queryKey: [...WEBSITES_KEY, query],
    queryFn: () => api.websites(query),
    placeholderData: keepPreviousData,
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t('websites.title')}</Title>
        <Button onClick={open}>{t('websites.new')}</Button>
      </Group>
      <Card withBorder>
        <Group mb="md" align="flex-end">
          <TextInput
            label={t('websites.search')}
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
          />
          <Select
            label={t('websites.type')}
            value={type}
            onChange={(value) => setType((value ?? '') as SiteType | '')}
            data={[
              { value: '', label: t('websites.anyType') },
              ...TYPES.map((value) => ({ value, label: t(`websites.types.${value}`) })),
            ]}
          />
          <Select
            label={t('websites.sort')}
            value={sort}
            allowDeselect={false}
            onChange={(value) => setSort((value ?? 'domain') as (typeof SORTS)[number])}
            data={SORTS.map((value) => ({ value, label: t(`websites.sorts.${value}`) }))}
          />
        </Group>
        <DataTable
          query={list}
          items={list.data?.websites}
          label={t('websites.title')}
          columns={[t('websites.domains'), t('websites.type'), t('websites.status'), t('websites.created')]}
          empty={{ title: t('websites.empty'), hint: t('websites.emptyHint') }}
          row={(site) => (
            <Table.Tr key={site.id}>
              <Table.Td>
                <Anchor component={Link} to={`/websites/${site.id}`} className="mono">
                  {site.domains[0]}
                </Anchor>
                {site.domains.length > 1 && (
                  <Text size="xs" c="dimmed">
                    {t('websites.moreDomains', { count: site.domains.length - 1 })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{t(`websites.types.${site.type}`)}</Table.Td>
              <Table.Td>
                <Badge color={site.enabled ? 'teal' : 'gray'}>
                  {site.enabled ? t('websites.enabled') : t('websites.disabled')}
                </Badge>
              </Table.Td>
              <Table.Td>{formatDateTime(Date.parse(site.createdAt), i18n.language)}</Table.Td>
            </Table.Tr>
          )}
        />
      </Card>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={creating}
        onClose={close}
        title={t('websites.new')}
        size="lg"
      >
        <CreateWebsiteForm
          onCreated={(site) => {
            close();
            notifySuccess(t('websites.created', { domain: site.domains[0] }));
            void client.invalidateQueries({ queryKey: WEBSITES_KEY });
            void navigate(`/websites/${site.id}`);
          }}
        />
      </Modal>
    </Stack>
  );
}
