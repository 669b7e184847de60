import { Card, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../app/ErrorState.js';
import { usePageTitle } from '../../app/page-title.js';
import { api } from '../../lib/api.js';
import { formatUptime } from '../../lib/format.js';

export function DashboardPage() {
  const { t } = useTranslation();
  usePageTitle(t('dashboard.title'));
  return (
    <Stack>
      <Title order={1}>{t('dashboard.title')}</Title>
      <HostCard />
    </Stack>
  );
}

function HostCard() {
  const { t, i18n } = useTranslation();
  const info = useQuery({ queryKey: ['system-info'], queryFn: api.systemInfo, refetchInterval: 60_000 });
  if (info.isError) return <ErrorState error={info.error} onRetry={() => void info.refetch()} />;
  const facts = info.data
    ? [
        { label: t('dashboard.host'), value: info.data.hostname, mono: true },
        { label: t('dashboard.os'), value: info.data.os.prettyName, mono: false },
        { label: t('dashboard.kernel'), value: `${info.data.kernel} (${info.data.arch})`, mono: true },
        {
          label: t('dashboard.uptime'),
          value: formatUptime(info.data.uptimeSeconds, i18n.language),
          mono: false,
        },
      ]
    : null;
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        {facts
          ? facts.map((fact) => (
              <div key={fact.label}>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  {fact.label}
                </Text>
                <Text className={fact.mono ? 'mono' : undefined}>{fact.value}</Text>
              </div>
            ))
          : Array.from({ length: 4 }, (_, index) => <Skeleton key={index} height={44} />)}
      </SimpleGrid>
    </Card>
  );
}
