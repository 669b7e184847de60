import { Card, Group, Progress, SimpleGrid, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, type ComponentProps } from 'react';
import { useTranslation } from 'react-i18next';
import type { DashboardSample } from '../../../contract/dashboard.js';
import { ErrorState } from '../../app/ErrorState.js';
import { usePageTitle } from '../../app/page-title.js';
import { intlLocale } from '../../i18n/index.js';
import { api } from '../../lib/api.js';
import { formatBytes, formatNumber, formatPercent, formatUptime } from '../../lib/format.js';
import { TimeChart } from './TimeChart.js';
import { useDashboard } from './use-dashboard.js';
import { KEYBOARD_SCROLL } from '../../components/DataTable.js';

const COLORS = {
  cpu: '#0ca678',
  memory: '#1c7ed6',
  rx: '#0ca678',
  tx: '#f76707',
  read: '#1c7ed6',
  write: '#ae3ec9',
};

export function DashboardPage() {
  const { t } = useTranslation();
  usePageTitle(t('dashboard.title'));
  const { samples, latest, error } = useDashboard();
  return (
    <Stack>
      <Title order={1}>{t('dashboard.title')}</Title>
      <HostCard />
      {error ? (
        <ErrorState error={null} />
      ) : !latest ? (
        <SimpleGrid cols={{ base: 1, md: 2 }} aria-busy="true" aria-label={t('common.loading')}>
          {Array.from({ length: 4 }, (_, index) => (
            <Skeleton key={index} height={240} />
          ))}
        </SimpleGrid>
      ) : (
        <Figures samples={samples} latest={latest} />
      )}
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
                <Text size="xs" c="dimmed" fw={600}>
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

function Figures({ samples, latest }: { samples: DashboardSample[]; latest: DashboardSample }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const series = useMemo(() => {
    const pick = (get: (sample: DashboardSample) => number) => samples.map(get);
    return {
      times: pick((sample) => sample.at / 1000),
      cpu: pick((sample) => sample.cpu.total),
      memory: pick((sample) => (sample.memory.total ? (sample.memory.used / sample.memory.total) * 100 : 0)),
      rx: pick((sample) => sample.network.rxBytesPerSec),
      tx: pick((sample) => sample.network.txBytesPerSec),
      read: pick((sample) => sample.diskIo.readBytesPerSec),
      write: pick((sample) => sample.diskIo.writeBytesPerSec),
    };
  }, [samples]);
  const percent = (value: number) => formatPercent(value, lang);
  const clock = new Intl.DateTimeFormat(intlLocale(lang), { timeStyle: 'short' });
  const formatTime = (ms: number) => clock.format(ms);
  const rate = (value: number) => t('dashboard.perSecond', { value: formatBytes(value, lang) });
  const { memory } = latest;
  const memoryPercent = memory.total ? (memory.used / memory.total) * 100 : 0;
  const swapPercent = memory.swapTotal ? (memory.swapUsed / memory.swapTotal) * 100 : 0;

  return (
    <Stack data-testid="dashboard-figures" data-samples={samples.length}>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Group justify="space-between" align="baseline">
            <Title order={2} size="h4">
              {t('dashboard.cpu')}
            </Title>
            <Text size="xl" fw={700} data-testid="cpu-total">
              {percent(latest.cpu.total)}
            </Text>
          </Group>
          <Text size="sm" c="dimmed" mb="xs">
            {t('dashboard.load', {
              one: formatNumber(latest.load[0], lang, 2),
              five: formatNumber(latest.load[1], lang, 2),
              fifteen: formatNumber(latest.load[2], lang, 2),
            })}
          </Text>
          <TimeChart
            times={series.times}
            series={[{ label: t('dashboard.cpu'), color: COLORS.cpu, values: series.cpu }]}
            formatTime={formatTime}
            format={percent}
            max={100}
            label={t('dashboard.cpuChart')}
          />
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs" mt="sm">
            {latest.cpu.cores.map((value, index) => (
              <div key={index}>
                <Text size="xs" c="dimmed">
                  {t('dashboard.core', { number: index + 1 })} · {percent(value)}
                </Text>
                <Progress
                  value={value}
                  size="sm"
                  aria-label={t('dashboard.coreUsage', { number: index + 1 })}
                />
              </div>
            ))}
          </SimpleGrid>
        </Card>

        <Card withBorder>
          <Group justify="space-between" align="baseline">
            <Title order={2} size="h4">
              {t('dashboard.memory')}
            </Title>
            <Text size="xl" fw={700} data-testid="memory-used">
              {percent(memoryPercent)}
            </Text>
          </Group>
          <Text size="sm" c="dimmed" mb="xs">
            {t('dashboard.usedOf', {
              used: formatBytes(memory.used, lang),
              total: formatBytes(memory.total, lang),
            })}
          </Text>
          <TimeChart
            times={series.times}
            series={[{ label: t('dashboard.memory'), color: COLORS.memory, values: series.memory }]}
            formatTime={formatTime}
            format={percent}
            max={100}
            label={t('dashboard.memoryChart')}
          />
          <Text size="sm" mt="sm">
            {memory.swapTotal > 0
              ? t('dashboard.swap', {
                  used: formatBytes(memory.swapUsed, lang),
                  total: formatBytes(memory.swapTotal, lang),
                })
              : t('dashboard.noSwap')}
          </Text>
          {memory.swapTotal > 0 && (
            <Progress value={swapPercent} size="sm" aria-label={t('dashboard.swapUsage')} />
          )}
        </Card>

        <ChartCard
          title={t('dashboard.network')}
          summary={t('dashboard.rxTx', {
            rx: rate(latest.network.rxBytesPerSec),
            tx: rate(latest.network.txBytesPerSec),
          })}
          chart={{
            times: series.times,
            series: [
              { label: t('dashboard.received'), color: COLORS.rx, values: series.rx },
              { label: t('dashboard.sent'), color: COLORS.tx, values: series.tx },
            ],
            formatTime,
            format: (value) => formatBytes(value, lang),
            label: t('dashboard.networkChart'),
          }}
        />
        <ChartCard
          title={t('dashboard.diskIo')}
          summary={t('dashboard.readWrite', {
            read: rate(latest.diskIo.readBytesPerSec),
            write: rate(latest.diskIo.writeBytesPerSec),
          })}
          chart={{
            times: series.times,
            series: [
              { label: t('dashboard.read'), color: COLORS.read, values: series.read },
              { label: t('dashboard.written'), color: COLORS.write, values: series.write },
            ],
            formatTime,
            format: (value) => formatBytes(value, lang),
            label: t('dashboard.diskIoChart'),
          }}
        />
      </SimpleGrid>

      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          {t('dashboard.disks')}
        </Title>
        <Stack gap="sm">
          {latest.disks.map((disk) => (
            <div key={disk.mount}>
              <Group justify="space-between">
                <Text size="sm" className="mono">
                  {disk.mount} ({disk.fs})
                </Text>
                <Text size="sm">
                  {t('dashboard.usedOf', {
                    used: formatBytes(disk.used, lang),
                    total: formatBytes(disk.total, lang),
                  })}
                </Text>
              </Group>
              <Progress
                value={disk.total ? (disk.used / disk.total) * 100 : 0}
                color={disk.total && disk.used / disk.total > 0.9 ? 'red' : undefined}
                aria-label={t('dashboard.diskUsage', { mount: disk.mount })}
              />
            </div>
          ))}
        </Stack>
      </Card>

      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <ProcessTable title={t('dashboard.topCpu')} processes={latest.processes.topCpu} />
        <ProcessTable title={t('dashboard.topMemory')} processes={latest.processes.topMemory} />
      </SimpleGrid>
      <Text size="sm" c="dimmed">
        {t('dashboard.processCount', { count: latest.processes.count })} ·{' '}
        <span data-testid="sample-time">
          {t('dashboard.updated', {
            time: new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-nu-latn' : 'en', {
              timeStyle: 'medium',
            }).format(latest.at),
          })}
        </span>
      </Text>
    </Stack>
  );
}

function ProcessTable({
  title,
  processes,
}: {
  title: string;
  processes: DashboardSample['processes']['topCpu'];
}) {
  const { t, i18n } = useTranslation();
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      <Table.ScrollContainer minWidth={420} scrollAreaProps={KEYBOARD_SCROLL}>
        <Table striped aria-label={title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dashboard.process')}</Table.Th>
              <Table.Th>{t('dashboard.user')}</Table.Th>
              <Table.Th>{t('dashboard.pid')}</Table.Th>
              <Table.Th>{t('dashboard.cpu')}</Table.Th>
              <Table.Th>{t('dashboard.memory')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {processes.map((process) => (
              <Table.Tr key={process.pid}>
                <Table.Td className="mono">{process.name}</Table.Td>
                <Table.Td className="mono">{process.user}</Table.Td>
                <Table.Td className="mono">{process.pid}</Table.Td>
                <Table.Td>{formatPercent(process.cpu, i18n.language)}</Table.Td>
                <Table.Td>{formatBytes(process.memory, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

/** A rate over time: the figures now in words, the last 5 minutes as a chart. */
function ChartCard({
  title,
  summary,
  chart,
}: {
  title: string;
  summary: string;
  chart: ComponentProps<typeof TimeChart>;
}) {
  return (
    <Card withBorder>
      <Title order={2} size="h4">
        {title}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {summary}
      </Text>
      <TimeChart {...chart} />
    </Card>
  );
}
