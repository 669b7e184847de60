import {
  Button,
  Card,
  Group,
  NumberInput,
  PasswordInput,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorPageCodes } from '../../../contract/websites.js';
import type { Website, WebsitePatch } from '../../lib/api.js';

type Options = NonNullable<WebsitePatch['options']>;
type Login = NonNullable<Options['passwordProtection']>;
type ErrorCode = (typeof errorPageCodes)[number];

/** Addresses and ranges let in (everyone else refused, when any) and refused. */
export function AccessRules(props: {
  allow: string[];
  deny: string[];
  onAllow: (values: string[]) => void;
  onDeny: (values: string[]) => void;
}) {
  const { t } = useTranslation();
  const common = { splitChars: [',', ' '], acceptValueOnBlur: true };
  return (
    <Group grow align="flex-start">
      <TagsInput label={t('websites.allow')} value={props.allow} onChange={props.onAllow} {...common} />
      <TagsInput label={t('websites.deny')} value={props.deny} onChange={props.onDeny} {...common} />
    </Group>
  );
}

/**
 * Access rules, limits, error pages, hotlink protection, a login in front of a path and the
 * administrator's snippet: edited together and saved as one change (nginx checks it; a refusal comes
 * back with nginx's own words and nothing changes). Passwords go to the server once and never come
 * back. Error pages are pages of the site's own root, so only static and PHP sites have them.
 */
export function SiteAdvanced(props: { site: Website; saving: boolean; onSave: (options: Options) => void }) {
  const { t } = useTranslation();
  const current = props.site.options;
  const [allow, setAllow] = useState(current.allow);
  const [deny, setDeny] = useState(current.deny);
  const [perSecond, setPerSecond] = useState<number | ''>(current.rateLimit?.perSecond ?? '');
  const [burst, setBurst] = useState<number | ''>(current.rateLimit?.burst ?? '');
  const [bandwidth, setBandwidth] = useState<number | ''>(current.bandwidthKb ?? '');
  const [hotlink, setHotlink] = useState(current.hotlinkProtection !== undefined);
  const [hotlinkAllow, setHotlinkAllow] = useState(current.hotlinkProtection?.allow ?? []);
  const [snippet, setSnippet] = useState(current.snippet ?? '');
  const [login, setLogin] = useState(current.passwordProtection !== undefined);
  const [loginPath, setLoginPath] = useState(current.passwordProtection?.path ?? '/');
  const [users, setUsers] = useState<Login['users']>(current.passwordProtection?.users ?? []);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const hasRoot = props.site.type === 'static' || props.site.type === 'php';
  const [errorPages, setErrorPages] = useState<Partial<Record<ErrorCode, string>>>(
    Object.fromEntries(current.errorPages.map((entry) => [entry.code, entry.page])),
  );

  const addUser = () => {
    if (username.trim() === '' || password === '') return;
    setUsers([
      ...users.filter((user) => user.username !== username.trim()),
      { username: username.trim(), password },
    ]);
    setUsername('');
    setPassword('');
  };

  const save = () => {
    const {
      rateLimit: _rate,
      bandwidthKb: _bandwidth,
      hotlinkProtection: _hotlink,
      snippet: _snippet,
      passwordProtection: _login,
      ...rest
    } = current;
    props.onSave({
      ...rest,
      allow,
      deny,
      errorPages: errorPageCodes.flatMap((code) => {
        const page = errorPages[code]?.trim() ?? '';
        return page === '' ? [] : [{ code, page }];
      }),
      ...(perSecond !== '' && perSecond > 0
        ? { rateLimit: { perSecond, burst: burst === '' ? 0 : burst } }
        : {}),
      ...(bandwidth !== '' && bandwidth > 0 ? { bandwidthKb: bandwidth } : {}),
      ...(hotlink ? { hotlinkProtection: { allow: hotlinkAllow } } : {}),
      ...(snippet.trim() !== '' ? { snippet } : {}),
      ...(login && users.length > 0
        ? {
            passwordProtection: {
              path: loginPath,
              realm: current.passwordProtection?.realm ?? 'Restricted',
              users,
            },
          }
        : {}),
    });
  };

  return (
    <Card withBorder>
      <Stack>
        <Title order={3}>{t('websites.advanced')}</Title>
        <AccessRules allow={allow} deny={deny} onAllow={setAllow} onDeny={setDeny} />
        <Group grow align="flex-start">
          <NumberInput
            label={t('websites.ratePerSecond')}
            description={t('websites.emptyIsOff')}
            min={1}
            max={10000}
            value={perSecond}
            onChange={(value) => setPerSecond(typeof value === 'number' ? value : '')}
          />
          <NumberInput
            label={t('websites.rateBurst')}
            min={0}
            max={10000}
            value={burst}
            onChange={(value) => setBurst(typeof value === 'number' ? value : '')}
          />
          <NumberInput
            label={t('websites.bandwidthKb')}
            description={t('websites.emptyIsOff')}
            min={1}
            value={bandwidth}
            onChange={(value) => setBandwidth(typeof value === 'number' ? value : '')}
          />
        </Group>
        {hasRoot && (
          <Stack gap="xs">
            <Text fw={600} size="sm">
              {t('websites.errorPages')}
            </Text>
            <Text size="sm" c="dimmed">
              {t('websites.errorPagesHint')}
            </Text>
            <Group grow align="flex-start">
              {errorPageCodes.map((code) => (
                <TextInput
                  key={code}
                  label={t('websites.errorPageFor', { code })}
                  placeholder={`/${code}.html`}
                  className="mono"
                  value={errorPages[code] ?? ''}
                  onChange={(event) => setErrorPages({ ...errorPages, [code]: event.currentTarget.value })}
                />
              ))}
            </Group>
          </Stack>
        )}
        <Switch
          label={t('websites.hotlink')}
          checked={hotlink}
          onChange={(event) => setHotlink(event.currentTarget.checked)}
        />
        {hotlink && (
          <TagsInput
            label={t('websites.hotlinkAllow')}
            value={hotlinkAllow}
            onChange={setHotlinkAllow}
            splitChars={[',', ' ']}
            acceptValueOnBlur
          />
        )}
        <Switch
          label={t('websites.login')}
          checked={login}
          onChange={(event) => setLogin(event.currentTarget.checked)}
        />
        {login && (
          <Stack gap="xs">
            <TextInput
              label={t('websites.loginPath')}
              value={loginPath}
              onChange={(event) => setLoginPath(event.currentTarget.value)}
            />
            {users.map((user) => (
              <Group key={user.username} justify="space-between">
                <Text className="mono">{user.username}</Text>
                <Button
                  variant="subtle"
                  color="red"
                  size="xs"
                  aria-label={t('websites.removeUser', { user: user.username })}
                  onClick={() => setUsers(users.filter((other) => other.username !== user.username))}
                >
                  {t('websites.remove')}
                </Button>
              </Group>
            ))}
            <Group align="flex-end">
              <TextInput
                label={t('websites.loginUser')}
                value={username}
                onChange={(event) => setUsername(event.currentTarget.value)}
              />
              <PasswordInput
                label={t('websites.loginPassword')}
                value={password}
                onChange={(event) => setPassword(event.currentTarget.value)}
              />
              <Button
                variant="default"
                onClick={addUser}
                disabled={username.trim() === '' || password === ''}
              >
                {t('websites.add')}
              </Button>
            </Group>
          </Stack>
        )}
        <Textarea
          label={t('websites.snippet')}
          description={t('websites.snippetHint')}
          rows={3}
          className="mono"
          value={snippet}
          onChange={(event) => setSnippet(event.currentTarget.value)}
        />
        <Group>
          <Button loading={props.saving} onClick={save}>
            {t('websites.saveAdvanced')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
