import { Stack, Tabs, Title } from '@mantine/core';
import type { ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { usePageTitle } from '../../app/page-title.js';
import { AccountPanel } from './AccountPanel.js';
import { SecurityPanel } from './SecurityPanel.js';
import { SessionsPanel } from './SessionsPanel.js';
import { TokensPanel } from './TokensPanel.js';
import { TwoFactorPanel } from './TwoFactorPanel.js';

const TABS = ['account', 'two-factor', 'sessions', 'tokens', 'security'] as const;
type Tab = (typeof TABS)[number];
const PANELS: Record<Tab, ComponentType> = {
  account: AccountPanel,
  'two-factor': TwoFactorPanel,
  sessions: SessionsPanel,
  tokens: TokensPanel,
  security: SecurityPanel,
};

export function SettingsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { tab: asked } = useParams();
  const tab: Tab = TABS.includes(asked as Tab) ? (asked as Tab) : 'account';
  usePageTitle(t('settings.title'));
  return (
    <Stack>
      <Title order={1}>{t('settings.title')}</Title>
      <Tabs
        value={tab}
        onChange={(value) => void navigate(`/settings/${value ?? 'account'}`)}
        keepMounted={false}
      >
        <Tabs.List>
          {TABS.map((name) => (
            <Tabs.Tab key={name} value={name}>
              {t(`settings.tabs.${name}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((name) => {
          const Panel = PANELS[name];
          return (
            <Tabs.Panel key={name} value={name} pt="md">
              <Panel />
            </Tabs.Panel>
          );
        })}
      </Tabs>
    </Stack>
  );
}
