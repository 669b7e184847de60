import {
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Modal,
  SegmentedControl,
  Skeleton,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ErrorState } from '../../app/ErrorState.js';
import { usePageTitle } from '../../app/page-title.js';
import { ConfirmDialog } from '../../components/ConfirmButton.js';
import { FactLines } from '../../components/FactLines.js';
import { api, type Website } from '../../lib/api.js';
import { live } from '../../lib/live.js';
import { errorMessage } from '../../lib/errors.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { SiteAdvanced } from './SiteAdvanced.js';
import { SiteCertificatePanel } from './SiteCertificate.js';
import { WEBSITES_KEY } from './WebsitesPage.js';

export function WebsitePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const site = useQuery({ queryKey: [...WEBSITES_KEY, 'one', id], queryFn: () => api.website(id) });
  usePageTitle(site.data?.domains[0] ?? t('websites.title'));
  if (site.isPending) return <Skeleton height={300} />;
  if (site.isError) return <ErrorState error={site.error} onRetry={() => void site.refetch()} />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} className="mono">
          {site.data.domains[0]}
        </Title>
        <DeleteWebsite site={site.data} />
      </Group>
      <Tabs defaultValue="domains" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="domains">{t('websites.domains')}</Tabs.Tab>
          <Tabs.Tab value="settings">{t('websites.settings')}</Tabs.Tab>
          <Tabs.Tab value="ssl">{t('websites.ssl.tab')}</Tabs.Tab>
          <Tabs.Tab value="logs">{t('websites.logs')}</Tabs.Tab>
          <Tabs.Tab value="config">{t('websites.config')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="domains" pt="md">
          <SiteDomains site={site.data} />
        </Tabs.Panel>
        <Tabs.Panel value="settings" pt="md">
          <Stack>
            <SiteSettings site={site.data} />
            <AdvancedSettings site={site.data} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="ssl" pt="md">
          <SiteCertificatePanel site={site.data} />
        </Tabs.Panel>
        <Tabs.Panel value="logs" pt="md">
          <SiteLogs id={site.data.id} />
        </Tabs.Panel>
        <Tabs.Panel value="config" pt="md">
          <SiteConfig id={site.data.id} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

/** Saves a change of the site (a task on the server: the answer comes once nginx serves it). */
function useSiteUpdate(site: Website, done: string) {
  const { t } = useTranslation();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: Parameters<typeof api.updateWebsite>[1]) => api.updateWebsite(site.id, patch),
    onSuccess: (updated) => {
      client.setQueryData([...WEBSITES_KEY, 'one', site.id], updated);
      void client.invalidateQueries({ queryKey: WEBSITES_KEY });
      notifySuccess(done);
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
}

/** The site's names: the first is the primary; add and remove, then save as one change. */
function SiteDomains({ site }: { site: Website }) {
  const { t } = useTranslation();
  const [domains, setDomains] = useState(site.domains);
  const [draft, setDraft] = useState('');
  const save = useSiteUpdate(site, t('websites.domainsSaved'));
  const unchanged = domains.join(' ') === site.domains.join(' ');
  const add = () => {
    const name = draft.trim().toLowerCase();
    if (name !== '' && !domains.includes(name)) setDomains([...domains, name]);
    setDraft('');
  };
  return (
    <Card withBorder>
      <Stack>
        {domains.map((domain, index) => (
          <Group key={domain} justify="space-between">
            <Text className="mono">
              {domain}
              {index === 0 ? ` · ${t('websites.primary')}` : ''}
            </Text>
            <Button
              variant="subtle"
              color="red"
              size="xs"
              disabled={domains.length === 1}
              aria-label={t('websites.removeDomain', { domain })}
              onClick={() => setDomains(domains.filter((other) => other !== domain))}
            >
              {t('websites.remove')}
            </Button>
          </Group>
        ))}
        <Group align="flex-end">
          <TextInput
            label={t('websites.addDomain')}
            value={draft}
            onChange={(event) => setDraft(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') add();
            }}
          />
          <Button variant="default" onClick={add} disabled={draft.trim() === ''}>
            {t('websites.add')}
          </Button>
        </Group>
        <Group>
          <Button disabled={unchanged} loading={save.isPending} onClick={() => save.mutate({ domains })}>
            {t('websites.save')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function AdvancedSettings({ site }: { site: Website }) {
  const { t } = useTranslation();
  const save = useSiteUpdate(site, t('websites.advancedSaved'));
  return <SiteAdvanced site={site} saving={save.isPending} onSave={(options) => save.mutate({ options })} />;
}

function SiteSettings({ site }: { site: Website }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const update = useMutation({
    mutationFn: (enabled: boolean) => api.updateWebsite(site.id, { enabled }),
    onSuccess: (updated) => {
      client.setQueryData([...WEBSITES_KEY, 'one', site.id], updated);
      void client.invalidateQueries({ queryKey: WEBSITES_KEY });
      notifySuccess(updated.enabled ? t('websites.nowEnabled') : t('websites.nowDisabled'));
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  // Taking the site offline (visitors get the 503 page) is asked first; back online is not.
  const [askingOffline, setAskingOffline] = useState(false);
  const [options, setOptions] = useState(site.options);
  const saveOptions = useSiteUpdate(site, t('websites.settingsSaved'));
  const optionsChanged =
    options.gzip !== site.options.gzip ||
    options.accessLog !== site.options.accessLog ||
    options.rewrite !== site.options.rewrite;
  const facts = [
    [t('websites.type'), t(`websites.types.${site.type}`)],
    ...(site.root ? [[t('websites.root'), site.root]] : []),
    ...(site.phpVersion ? [[t('websites.phpVersion'), site.phpVersion]] : []),
    ...(site.upstream ? [[t('websites.upstream'), site.upstream]] : []),
    ...(site.redirect ? [[t('websites.redirectTo'), `${site.redirect.code} → ${site.redirect.to}`]] : []),
  ] as [string, string][];
  return (
    <Card withBorder>
      <Stack>
        <Switch
          label={t('websites.enabledSwitch')}
          description={t('websites.enabledHint')}
          checked={site.enabled}
          disabled={update.isPending}
          onChange={(event) => (event.currentTarget.checked ? update.mutate(true) : setAskingOffline(true))}
        />
        <ConfirmDialog
          opened={askingOffline}
          onClose={() => setAskingOffline(false)}
          title={t('websites.offlineTitle', { domain: site.domains[0] })}
          message={t('websites.offlineMessage')}
          confirmLabel={t('websites.offlineConfirm')}
          onConfirm={() => update.mutate(false)}
        />
        <Switch
          label={t('websites.gzip')}
          checked={options.gzip}
          onChange={(event) => setOptions({ ...options, gzip: event.currentTarget.checked })}
        />
        <Switch
          label={t('websites.accessLog')}
          checked={options.accessLog}
          onChange={(event) => setOptions({ ...options, accessLog: event.currentTarget.checked })}
        />
        <SegmentedControl
          aria-label={t('websites.rewrite')}
          value={options.rewrite}
          onChange={(value) => setOptions({ ...options, rewrite: value as typeof options.rewrite })}
          data={(['none', 'wordpress', 'laravel', 'spa'] as const).map((value) => ({
            value,
            label: t(`websites.rewrites.${value}`),
          }))}
        />
        <Group>
          <Button
            disabled={!optionsChanged}
            loading={saveOptions.isPending}
            onClick={() => saveOptions.mutate({ options })}
          >
            {t('websites.save')}
          </Button>
        </Group>
        <FactLines facts={facts} />
      </Stack>
    </Card>
  );
}

/** The site's access or error log, newest last, filtered by a search; refreshed every 5 s. */
function SiteLogs({ id }: { id: string }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<'access' | 'error'>('access');
  const [search, setSearch] = useState('');
  const filtering = search.trim() !== '';
  // Without a search the log is followed live (site-log channel); a search asks the API again.
  const followed = useSiteLog(filtering ? null : id, kind);
  const logs = useQuery({
    queryKey: [...WEBSITES_KEY, 'logs', id, kind, search],
    queryFn: () => api.websiteLogs(id, kind, search.trim()),
    enabled: filtering,
  });
  return (
    <Stack>
      <Group align="flex-end">
        <SegmentedControl
          aria-label={t('websites.logKind')}
          value={kind}
          onChange={(value) => setKind(value === 'error' ? 'error' : 'access')}
          data={[
            { value: 'access', label: t('websites.accessLogs') },
            { value: 'error', label: t('websites.errorLogs') },
          ]}
        />
        <TextInput
          label={t('websites.logSearch')}
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
        {filtering && (
          <Button variant="default" loading={logs.isFetching} onClick={() => void logs.refetch()}>
            {t('websites.refresh')}
          </Button>
        )}
      </Group>
      {!filtering ? (
        <Card withBorder>
          <Code block className="mono" data-testid="site-log">
            {followed.length > 0 ? followed.join('\n') : t('websites.noLogLines')}
          </Code>
        </Card>
      ) : logs.isPending ? (
        <Skeleton height={200} />
      ) : logs.isError ? (
        <ErrorState error={logs.error} onRetry={() => void logs.refetch()} />
      ) : (
        <Card withBorder>
          <Text size="sm" c="dimmed" className="mono" mb="xs">
            {logs.data.file}
          </Text>
          <Code block className="mono">
            {logs.data.lines.length > 0 ? logs.data.lines.join('\n') : t('websites.noLogLines')}
          </Code>
        </Card>
      )}
    </Stack>
  );
}

/** A site's log followed on the live socket: the last 100 lines, then each new one. */
function useSiteLog(id: string | null, kind: 'access' | 'error'): string[] {
  const [state, setState] = useState<{ key: string; lines: string[] }>({ key: '', lines: [] });
  const key = id ? `site-log:${id}:${kind}` : '';
  useEffect(() => {
    if (!id) return;
    return live.listen(
      key,
      { type: 'subscribe', channel: 'site-log', id, kind },
      { type: 'unsubscribe', channel: 'site-log', id, kind },
      (message) => {
        if (message.type !== 'update' || message.channel !== 'site-log') return;
        setState((previous) => ({
          key,
          lines: [...(previous.key === key ? previous.lines : []), ...message.lines].slice(-1000),
        }));
      },
    );
  }, [id, kind, key]);
  return state.key === key ? state.lines : [];
}

function SiteConfig({ id }: { id: string }) {
  const { t } = useTranslation();
  const config = useQuery({
    queryKey: [...WEBSITES_KEY, 'config', id],
    queryFn: () => api.websiteConfig(id),
  });
  if (config.isPending) return <Skeleton height={200} />;
  if (config.isError) return <ErrorState error={config.error} onRetry={() => void config.refetch()} />;
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('websites.configHint')}
      </Text>
      {config.data.files.map((file) => (
        <Card withBorder key={file.path}>
          <Text size="sm" fw={600} className="mono" mb="xs">
            {file.path}
          </Text>
          <Code block className="mono">
            {file.content}
          </Code>
        </Card>
      ))}
    </Stack>
  );
}

/** Deleting asks first, and asks whether the site's files go too (kept by default). */
function DeleteWebsite({ site }: { site: Website }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const [keepFiles, setKeepFiles] = useState(true);
  const remove = useMutation({
    mutationFn: () => api.deleteWebsite(site.id, keepFiles),
    onSuccess: () => {
      notifySuccess(t('websites.deleted', { domain: site.domains[0] }));
      void client.invalidateQueries({ queryKey: WEBSITES_KEY });
      void navigate('/websites');
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  return (
    <>
      <Button color="red" variant="outline" onClick={open}>
        {t('websites.delete')}
      </Button>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={opened}
        onClose={close}
        title={t('websites.deleteTitle', { domain: site.domains[0] })}
        centered
      >
        <Stack>
          <Text>{t('websites.deleteMessage')}</Text>
          {site.root && (
            <Checkbox
              label={t('websites.keepFiles', { root: site.root })}
              checked={keepFiles}
              onChange={(event) => setKeepFiles(event.currentTarget.checked)}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              {t('websites.delete')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
