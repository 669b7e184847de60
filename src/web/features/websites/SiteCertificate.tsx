import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Skeleton,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../app/ErrorState.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { FactLines } from '../../components/FactLines.js';
import { TaskPanel } from '../../components/TaskPanel.js';
import { api, ApiError, type SiteCertificate, type Website } from '../../lib/api.js';
import { errorMessage, formErrors } from '../../lib/errors.js';
import { notifyFailure, notifySuccess } from '../../lib/notify.js';
import { WEBSITES_KEY } from './WebsitesPage.js';

/**
 * The site's HTTPS: the certificate it has (issuer, names, expiry), a Let's Encrypt certificate
 * ordered as a task followed live, a certificate pasted by its owner, force HTTPS and HSTS, renewal,
 * and removal after a confirmation.
 */
export function SiteCertificatePanel({ site }: { site: Website }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const key = [...WEBSITES_KEY, 'certificate', site.id];
  const certificate = useQuery({ queryKey: key, queryFn: () => api.websiteCertificate(site.id) });
  const [running, setRunning] = useState<{ id: string; title: string } | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: key });

  const order = useMutation({
    mutationFn: (current: SiteCertificate | null) =>
      api.putWebsiteCertificate(site.id, {
        source: 'letsencrypt',
        forceHttps: current?.forceHttps ?? false,
        hsts: current?.hsts ?? false,
      }),
    onSuccess: ({ taskId }) => setRunning({ id: taskId, title: t('websites.ssl.ordering') }),
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  const renew = useMutation({
    mutationFn: () => api.renewWebsiteCertificate(site.id),
    onSuccess: ({ taskId }) => setRunning({ id: taskId, title: t('websites.ssl.renewing') }),
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  const switches = useMutation({
    mutationFn: (patch: { forceHttps?: boolean; hsts?: boolean }) =>
      api.patchWebsiteCertificate(site.id, patch),
    onSuccess: ({ certificate: updated }) => {
      client.setQueryData(key, { certificate: updated });
      notifySuccess(t('websites.ssl.saved'));
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  const remove = useMutation({
    mutationFn: () => api.deleteWebsiteCertificate(site.id),
    onSuccess: () => {
      client.setQueryData(key, { certificate: null });
      notifySuccess(t('websites.ssl.removed'));
    },
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });

  if (certificate.isPending) return <Skeleton height={200} />;
  if (certificate.isError)
    return <ErrorState error={certificate.error} onRetry={() => void certificate.refetch()} />;
  const current = certificate.data.certificate;
  const busy = running !== null || order.isPending || renew.isPending;
  return (
    <Stack>
      {running && (
        <TaskPanel
          id={running.id}
          title={running.title}
          onClose={() => setRunning(null)}
          onFinished={(state) => {
            refresh();
            if (state === 'succeeded') notifySuccess(t('websites.ssl.issued'));
            else notifyFailure(t('websites.ssl.failed'));
          }}
        />
      )}
      <Card withBorder>
        {current ? <CertificateFacts certificate={current} /> : <Text>{t('websites.ssl.none')}</Text>}
      </Card>
      {current && (
        <Card withBorder>
          <Stack>
            <Switch
              label={t('websites.ssl.forceHttps')}
              description={t('websites.ssl.forceHttpsHint')}
              checked={current.forceHttps}
              disabled={switches.isPending}
              onChange={(event) => switches.mutate({ forceHttps: event.currentTarget.checked })}
            />
            <Switch
              label={t('websites.ssl.hsts')}
              description={t('websites.ssl.hstsHint')}
              checked={current.hsts}
              disabled={switches.isPending}
              onChange={(event) => switches.mutate({ hsts: event.currentTarget.checked })}
            />
            <Group>
              {current.source === 'letsencrypt' && (
                <Button
                  variant="default"
                  loading={renew.isPending}
                  disabled={busy}
                  onClick={() => renew.mutate()}
                >
                  {t('websites.ssl.renew')}
                </Button>
              )}
              <ConfirmButton
                title={t('websites.ssl.removeTitle')}
                message={t('websites.ssl.removeMessage', { domain: site.domains[0] })}
                confirmLabel={t('websites.ssl.remove')}
                loading={remove.isPending}
                onConfirm={() => remove.mutate()}
              >
                {t('websites.ssl.remove')}
              </ConfirmButton>
            </Group>
          </Stack>
        </Card>
      )}
      {current?.source !== 'letsencrypt' && (
        <Card withBorder>
          <Stack align="flex-start">
            <Title order={3}>{t('websites.ssl.letsEncrypt')}</Title>
            <Text size="sm" c="dimmed">
              {t('websites.ssl.letsEncryptHint')}
            </Text>
            <Button loading={order.isPending} disabled={busy} onClick={() => order.mutate(current)}>
              {t('websites.ssl.order')}
            </Button>
          </Stack>
        </Card>
      )}
      <CustomCertificate
        site={site}
        current={current}
        onSaved={(saved) => client.setQueryData(key, { certificate: saved })}
      />
    </Stack>
  );
}

function CertificateFacts({ certificate }: { certificate: SiteCertificate }) {
  const { t, i18n } = useTranslation();
  const expiry = new Date(certificate.notAfter).toLocaleDateString(i18n.language, { dateStyle: 'long' });
  return (
    <Stack>
      <Group>
        <Badge color={certificate.daysLeft < 0 ? 'red' : certificate.daysLeft <= 30 ? 'yellow' : 'green'}>
          {certificate.daysLeft < 0 ? t('websites.ssl.expired') : t('websites.ssl.active')}
        </Badge>
        <Text size="sm">{t(`websites.ssl.sources.${certificate.source}`)}</Text>
      </Group>
      <FactLines
        facts={[
          [t('websites.ssl.issuer'), certificate.issuer],
          [t('websites.ssl.names'), certificate.domains.join(', ')],
          [
            t('websites.ssl.expires'),
            `${expiry} · ${t('websites.ssl.daysLeft', { count: Math.max(certificate.daysLeft, 0) })}`,
          ],
        ]}
      />
      {certificate.lastError && (
        <Alert color="red" title={t('websites.ssl.renewalFailed')}>
          <Text size="sm" className="mono">
            {certificate.lastError}
          </Text>
        </Alert>
      )}
    </Stack>
  );
}

const FIELDS = ['chain', 'key'] as const;

/** A certificate its owner pastes: the chain (the site's first) and the key; the server checks both. */
function CustomCertificate({
  site,
  current,
  onSaved,
}: {
  site: Website;
  current: SiteCertificate | null;
  onSaved: (saved: SiteCertificate | null) => void;
}) {
  const { t } = useTranslation();
  const [chain, setChain] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api.putWebsiteCertificate(site.id, {
        source: 'custom',
        chain,
        key: privateKey,
        forceHttps: current?.forceHttps ?? false,
        hsts: current?.hsts ?? false,
      }),
    onSuccess: ({ certificate }) => {
      setChain('');
      setPrivateKey('');
      onSaved(certificate);
      notifySuccess(t('websites.ssl.customSaved'));
    },
  });
  const { fieldError, other } = formErrors(t, save.error, FIELDS, 'certificate');
  // The server's own words (which name is missing, when it expired) under the translated message.
  const detail = save.error instanceof ApiError ? save.error.message : null;
  const withDetail = (message: string | undefined) =>
    message && detail ? `${message} (${detail})` : message;
  return (
    <Card withBorder>
      <Stack>
        <Title order={3}>{t('websites.ssl.custom')}</Title>
        <Textarea
          label={t('websites.ssl.chain')}
          description={t('websites.ssl.chainHint')}
          className="mono"
          rows={6}
          value={chain}
          error={withDetail(fieldError('chain'))}
          onChange={(event) => setChain(event.currentTarget.value)}
        />
        <Textarea
          label={t('websites.ssl.key')}
          description={t('websites.ssl.keyHint')}
          className="mono"
          rows={6}
          value={privateKey}
          error={withDetail(fieldError('key'))}
          onChange={(event) => setPrivateKey(event.currentTarget.value)}
        />
        {other && (
          <Text c="red" size="sm">
            {other}
          </Text>
        )}
        <Group>
          <Button
            disabled={chain.trim() === '' || privateKey.trim() === ''}
            loading={save.isPending}
            onClick={() => save.mutate()}
          >
            {t('websites.ssl.useCustom')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
