import { AccessRules } from './SiteAdvanced.js';
import {
  Alert,
  Button,
  Code,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  TagsInput,
  TextInput,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SiteType } from '../../../contract/websites.js';
import { api, ApiError, type SiteSpecInput, type Website } from '../../lib/api.js';
import { formErrors } from '../../lib/errors.js';

const TYPES: readonly SiteType[] = ['static', 'php', 'proxy', 'redirect'];
const REWRITES = ['none', 'wordpress', 'laravel', 'spa'] as const;
const CODES = ['301', '302', '307', '308'] as const;
const FIELDS = ['domains', 'root', 'phpVersion', 'upstream', 'redirect', 'options'] as const;
/** Errors whose server message is the host's own words (nginx -t, a taken domain): shown as they are. */
const OWN_WORDS = new Set(['DIWAN_E_HOST_COMMAND', 'DIWAN_E_CONFLICT']);

/** A new site: the fields follow the type; the server checks everything and names the field at fault. */
export function CreateWebsiteForm({ onCreated }: { onCreated: (site: Website) => void }) {
  const { t } = useTranslation();
  const [type, setType] = useState<SiteType>('static');
  const [domains, setDomains] = useState<string[]>([]);
  const [root, setRoot] = useState('');
  const [phpVersion, setPhpVersion] = useState('8.2');
  const [upstream, setUpstream] = useState('');
  const [redirectTo, setRedirectTo] = useState('');
  const [code, setCode] = useState<(typeof CODES)[number]>('301');
  const [keepPath, setKeepPath] = useState(true);
  const [gzip, setGzip] = useState(true);
  const [accessLog, setAccessLog] = useState(true);
  const [rewrite, setRewrite] = useState<(typeof REWRITES)[number]>('none');
  const [allow, setAllow] = useState<string[]>([]);
  const [deny, setDeny] = useState<string[]>([]);

  const spec = (): SiteSpecInput => {
    const options = { gzip, accessLog, rewrite, allow, deny };
    const common = { domains, options };
    const withRoot = root.trim() ? { root: root.trim() } : {};
    if (type === 'static') return { type, ...withRoot, ...common };
    if (type === 'php') return { type, ...withRoot, phpVersion, ...common };
    if (type === 'proxy') return { type, upstream: upstream.trim(), ...common };
    return { type, redirect: { to: redirectTo.trim(), code: Number(code) as 301, keepPath }, ...common };
  };
  const create = useMutation({ mutationFn: () => api.createWebsite(spec()), onSuccess: onCreated });
  const { fieldError, other } = formErrors(t, create.error, FIELDS);
  const ownWords =
    create.error instanceof ApiError && OWN_WORDS.has(create.error.code) ? create.error.message : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <SegmentedControl
          aria-label={t('websites.type')}
          value={type}
          onChange={(value) => setType(value as SiteType)}
          data={TYPES.map((value) => ({ value, label: t(`websites.types.${value}`) }))}
        />
        <TagsInput
          label={t('websites.domains')}
          description={t('websites.domainsHint')}
          required
          value={domains}
          onChange={setDomains}
          splitChars={[',', ' ']}
          acceptValueOnBlur
          error={fieldError('domains')}
        />
        {(type === 'static' || type === 'php') && (
          <TextInput
            label={t('websites.root')}
            description={t('websites.rootHint')}
            className="mono"
            value={root}
            onChange={(event) => setRoot(event.currentTarget.value)}
            error={fieldError('root')}
          />
        )}
        {type === 'php' && (
          <TextInput
            label={t('websites.phpVersion')}
            value={phpVersion}
            onChange={(event) => setPhpVersion(event.currentTarget.value)}
            error={fieldError('phpVersion')}
          />
        )}
        {type === 'proxy' && (
          <TextInput
            label={t('websites.upstream')}
            description={t('websites.upstreamHint')}
            required
            className="mono"
            value={upstream}
            onChange={(event) => setUpstream(event.currentTarget.value)}
            error={fieldError('upstream')}
          />
        )}
        {type === 'redirect' && (
          <Group grow align="flex-start">
            <TextInput
              label={t('websites.redirectTo')}
              required
              className="mono"
              value={redirectTo}
              onChange={(event) => setRedirectTo(event.currentTarget.value)}
              error={fieldError('redirect')}
            />
            <Select
              label={t('websites.redirectCode')}
              value={code}
              allowDeselect={false}
              onChange={(value) => setCode((value ?? '301') as (typeof CODES)[number])}
              data={CODES.map((value) => ({ value, label: t(`websites.codes.${value}`) }))}
            />
          </Group>
        )}
        {type === 'redirect' && (
          <Switch
            label={t('websites.keepPath')}
            checked={keepPath}
            onChange={(e) => setKeepPath(e.currentTarget.checked)}
          />
        )}
        <Group>
          <Switch
            label={t('websites.gzip')}
            checked={gzip}
            onChange={(e) => setGzip(e.currentTarget.checked)}
          />
          <Switch
            label={t('websites.accessLog')}
            checked={accessLog}
            onChange={(e) => setAccessLog(e.currentTarget.checked)}
          />
        </Group>
        {type !== 'redirect' && type !== 'proxy' && (
          <Select
            label={t('websites.rewrite')}
            value={rewrite}
            allowDeselect={false}
            onChange={(value) => setRewrite((value ?? 'none') as (typeof REWRITES)[number])}
            data={REWRITES.map((value) => ({ value, label: t(`websites.rewrites.${value}`) }))}
          />
        )}
        <AccessRules allow={allow} deny={deny} onAllow={setAllow} onDeny={setDeny} />
        {fieldError('options') && (
          <Alert color="red" role="alert">
            {fieldError('options')}
          </Alert>
        )}
        {other && (
          <Alert color="red" role="alert">
            {other}
            {ownWords && (
              <Code block mt="xs" className="mono">
                {ownWords}
              </Code>
            )}
          </Alert>
        )}
        <Button type="submit" loading={create.isPending} style={{ alignSelf: 'flex-start' }}>
          {t('websites.create')}
        </Button>
      </Stack>
    </form>
  );
}
