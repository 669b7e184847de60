import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  Menu,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconChevronDown } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../app/page-title.js';
import { ConfirmButton, ConfirmDialog } from '../../components/ConfirmButton.js';
import { DataTable } from '../../components/DataTable.js';
import { TaskPanel } from '../../components/TaskPanel.js';
import { api, type ServiceAction, type SoftwareStatus } from '../../lib/api.js';
import { errorMessage } from '../../lib/errors.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { packageTaskOf, usePendingPackageTasks, type PackageTask } from './package-tasks.js';

const KEY = ['software'] as const;
const SERVICE_MENU: readonly ServiceAction[] = ['start', 'restart', 'reload', 'stop', 'enable', 'disable'];
/** Actions that take a service offline now or after the next boot: asked first. */
type OfflineAction = Extract<ServiceAction, 'stop' | 'disable'>;
const ASKS_FIRST: ReadonlySet<ServiceAction> = new Set<OfflineAction>(['stop', 'disable']);
/** Stopping or disabling it may lock the administrator out of the server: said in those words. */
const REMOTE_ACCESS: ReadonlySet<string> = new Set(['openssh-server']);

export function SoftwarePage() {
  const { t } = useTranslation();
  usePageTitle(t('software.title'));
  const list = useQuery({ queryKey: KEY, queryFn: api.software });
  const pending = usePendingPackageTasks();
  const [started, setStarted] = useState<PackageTask[]>([]);
  const [finished, setFinished] = useState<ReadonlySet<string>>(new Set());
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const [logsOf, setLogsOf] = useState<SoftwareStatus | null>(null);
  const catalog = list.data?.software ?? [];
  const found = (pending.data ?? []).flatMap((task) => packageTaskOf(task, catalog) ?? []);
  const followed = [
    ...found,
    ...started.filter((task) => !found.some((other) => other.id === task.id)),
  ].filter((task) => !closed.has(task.id));
  /** A package with an install or uninstall queued or running keeps its buttons until it is done. */
  const busy = (name: string) => followed.some((task) => task.name === name && !finished.has(task.id));
  return (
    <Stack>
      <Title order={1}>{t('software.title')}</Title>
      <Text c="dimmed">{t('software.explain')}</Text>
      {followed.map((task) => (
        <RunningTask
          key={task.id}
          running={task}
          onFinished={() => setFinished((previous) => new Set(previous).add(task.id))}
          onClose={() => setClosed((previous) => new Set(previous).add(task.id))}
        />
      ))}
      <Card withBorder>
        <DataTable
          query={list}
          items={list.data?.software}
          label={t('software.title')}
          minWidth={760}
          skeletonRows={6}
          columns={[t('software.name'), t('software.version'), t('software.status'), null]}
          empty={{ title: t('software.empty') }}
          row={(entry) => (
            <Table.Tr key={entry.name}>
              <Table.Td>
                <Text fw={600}>{entry.label}</Text>
              </Table.Td>
              <Table.Td className="mono">{entry.version ?? '—'}</Table.Td>
              <Table.Td>
                <StatusBadges entry={entry} />
              </Table.Td>
              <Table.Td>
                <Actions
                  entry={entry}
                  busy={busy(entry.name)}
                  onTask={(task) => setStarted((previous) => [...previous, task])}
                  onLogs={() => setLogsOf(entry)}
                />
              </Table.Td>
            </Table.Tr>
          )}
        />
      </Card>
      <LogsModal entry={logsOf} onClose={() => setLogsOf(null)} />
    </Stack>
  );
}

function StatusBadges({ entry }: { entry: SoftwareStatus }) {
  const { t } = useTranslation();
  if (!entry.installed) return <Badge color="gray">{t('software.notInstalled')}</Badge>;
  return (
    <Group gap={6}>
      {entry.daemon && entry.running !== null && (
        <Badge color={entry.running ? 'teal' : 'red'}>
          {entry.running ? t('software.running') : t('software.stopped')}
        </Badge>
      )}
      {entry.enabledAtBoot !== null && (
        <Badge color={entry.enabledAtBoot ? 'blue' : 'gray'}>
          {entry.enabledAtBoot ? t('software.enabled') : t('software.disabled')}
        </Badge>
      )}
      {entry.protected && <Badge color="violet">{t('software.protected')}</Badge>}
    </Group>
  );
}

function Actions({
  entry,
  busy,
  onTask,
  onLogs,
}: {
  entry: SoftwareStatus;
  busy: boolean;
  onTask: (task: PackageTask) => void;
  onLogs: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const offered = entry.variants.filter((variant) => variant.candidate !== null || variant.installed);
  const [version, setVersion] = useState<string | null>(offered.at(-1)?.version ?? null);
  // The last action asked about stays named while the dialog closes.
  const [asked, setAsked] = useState<OfflineAction>('stop');
  const [asking, setAsking] = useState(false);
  const onError = (error: unknown) => notifyFailure(errorMessage(t, error));
  const packageAction = useMutation({
    mutationFn: (action: 'install' | 'uninstall') =>
      api.softwarePackage(entry.name, action, entry.variants.length > 0 ? (version ?? undefined) : undefined),
    onSuccess: (task, action) => onTask({ id: task.id, name: entry.name, label: entry.label, action }),
    onError,
  });
  const service = useMutation({
    mutationFn: (action: ServiceAction) => api.softwareService(entry.name, action),
    onSuccess: (status, action) => {
      client.setQueryData(
        KEY,
        (previous: Awaited<ReturnType<typeof api.software>> | undefined) =>
          previous && {
            ...previous,
            software: previous.software.map((item) => (item.name === status.name ? status : item)),
          },
      );
      notifySuccess(t(`software.done.${action}`, { name: entry.label }));
    },
    onError,
  });

  if (!entry.installed) {
    return (
      <Group gap="xs" wrap="nowrap">
        {entry.variants.length > 1 && (
          <Select
            size="xs"
            w={100}
            aria-label={t('software.versionFor', { name: entry.label })}
            value={version}
            allowDeselect={false}
            onChange={setVersion}
            data={offered.map((variant) => variant.version)}
          />
        )}
        <Button
          size="xs"
          disabled={busy}
          loading={packageAction.isPending}
          aria-label={t('software.installNamed', { name: entry.label })}
          onClick={() => packageAction.mutate('install')}
        >
          {t('software.install')}
        </Button>
      </Group>
    );
  }
  const refusal = entry.protected ? t('software.protectedHint') : undefined;
  return (
    <Group gap="xs" wrap="nowrap">
      {entry.daemon && (
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button
              size="xs"
              variant="default"
              loading={service.isPending}
              disabled={busy}
              rightSection={<IconChevronDown size={14} aria-hidden />}
              aria-label={t('software.serviceNamed', { name: entry.label })}
            >
              {t('software.service')}
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {SERVICE_MENU.map((action) => (
              <Menu.Item
                key={action}
                disabled={entry.protected && (action === 'stop' || action === 'disable')}
                onClick={() => {
                  if (ASKS_FIRST.has(action)) {
                    setAsked(action as OfflineAction);
                    setAsking(true);
                  } else service.mutate(action);
                }}
              >
                {t(`software.actions.${action}`)}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      )}
      {entry.daemon && (
        <ConfirmDialog
          opened={asking}
          onClose={() => setAsking(false)}
          title={t(`software.confirm.${asked}Title`, { name: entry.label })}
          message={t(`software.confirm.${asked}${REMOTE_ACCESS.has(entry.name) ? 'Ssh' : ''}Message`, {
            name: entry.label,
          })}
          confirmLabel={t(`software.actions.${asked}`)}
          onConfirm={() => service.mutate(asked)}
        />
      )}
      <Button
        size="xs"
        variant="default"
        onClick={onLogs}
        aria-label={t('software.logsNamed', { name: entry.label })}
      >
        {t('software.logs')}
      </Button>
      <Tooltip label={refusal} disabled={!refusal}>
        <span>
          <ConfirmButton
            size="xs"
            disabled={busy || entry.protected}
            title={t('software.uninstallTitle', { name: entry.label })}
            message={t('software.uninstallMessage', { name: entry.label })}
            confirmLabel={t('software.uninstall')}
            aria-label={t('software.uninstallNamed', { name: entry.label })}
            onConfirm={() => packageAction.mutate('uninstall')}
          >
            {t('software.uninstall')}
          </ConfirmButton>
        </span>
      </Tooltip>
    </Group>
  );
}

function RunningTask({
  running,
  onFinished,
  onClose,
}: {
  running: PackageTask;
  onFinished: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  return (
    <TaskPanel
      id={running.id}
      title={t(`software.taskTitle.${running.action}`, { name: running.label })}
      onClose={onClose}
      onFinished={(state) => {
        onFinished();
        void client.invalidateQueries({ queryKey: KEY });
        if (state === 'succeeded')
          notifySuccess(t(`software.done.${running.action}`, { name: running.label }));
        else notifyFailure(t('software.taskFailed', { name: running.label }));
      }}
    />
  );
}

function LogsModal({ entry, onClose }: { entry: SoftwareStatus | null; onClose: () => void }) {
  const { t } = useTranslation();
  const logs = useQuery({
    queryKey: ['software-logs', entry?.name],
    queryFn: () => api.softwareLogs(entry!.name),
    enabled: entry !== null,
  });
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.close') }}
      opened={entry !== null}
      onClose={onClose}
      size="xl"
      title={t('software.logsTitle', { name: entry?.label ?? '' })}
    >
      {logs.isPending ? (
        <Text>{t('common.loading')}</Text>
      ) : logs.isError ? (
        <Text c="red">{errorMessage(t, logs.error)}</Text>
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed" className="mono">
            {logs.data.source}
          </Text>
          <ScrollArea h={420} type="auto">
            <Code block className="mono">
              {logs.data.lines.length > 0 ? logs.data.lines.join('\n') : t('software.noLogs')}
            </Code>
          </ScrollArea>
        </Stack>
      )}
    </Modal>
  );
}
