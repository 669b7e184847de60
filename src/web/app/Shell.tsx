import {
  ActionIcon,
  AppShell,
  Burger,
  Group,
  Menu,
  NavLink,
  Skeleton,
  Text,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery } from '@tanstack/react-query';
import {
  IconChevronDown,
  IconDatabase,
  IconGauge,
  IconListDetails,
  IconLogout,
  IconMoon,
  IconPackage,
  IconSettings,
  IconSun,
  IconUserCircle,
  IconWorld,
} from '@tabler/icons-react';
import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import type { Locale } from '../../contract/auth.js';
import { api, type Me } from '../lib/api.js';
import { errorMessage } from '../lib/errors.js';
import { notifyFailure } from '../lib/notify.js';
import { useSetMe } from './auth.js';
import { LanguageMenu } from './LanguageMenu.js';
import { PageLoader } from './PageLoader.js';

const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(() => load().then((m) => ({ default: m[name] })));
const DashboardPage = page(() => import('../features/dashboard/DashboardPage.js'), 'DashboardPage');
const WebsitesPage = page(() => import('../features/websites/WebsitesPage.js'), 'WebsitesPage');
const WebsitePage = page(() => import('../features/websites/WebsitePage.js'), 'WebsitePage');
const DatabasesPage = page(() => import('../features/databases/DatabasesPage.js'), 'DatabasesPage');
const DatabasePage = page(() => import('../features/databases/DatabasePage.js'), 'DatabasePage');
const SoftwarePage = page(() => import('../features/software/SoftwarePage.js'), 'SoftwarePage');
const AuditPage = page(() => import('../features/audit/AuditPage.js'), 'AuditPage');
const SettingsPage = page(() => import('../features/settings/SettingsPage.js'), 'SettingsPage');
const NotFoundPage = page(() => import('./NotFoundPage.js'), 'NotFoundPage');

/** Only modules that work are listed: a module gets its entry when its page lands. */
const NAVIGATION = [
  { path: 'dashboard', label: 'nav.dashboard', icon: IconGauge },
  { path: 'websites', label: 'nav.websites', icon: IconWorld },
  { path: 'databases', label: 'nav.databases', icon: IconDatabase },
  { path: 'software', label: 'nav.software', icon: IconPackage },
  { path: 'audit', label: 'nav.audit', icon: IconListDetails },
  { path: 'settings', label: 'nav.settings', icon: IconSettings },
] as const;

export function Shell({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  useEffect(close, [location.pathname, close]);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={t('header.navigation')}
            />
            <Text fw={700} size="lg">
              {t('app.name')}
            </Text>
            <HostName />
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitch />
            <ThemeToggle />
            <UserMenu me={me} />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('header.navigation')}>
        {NAVIGATION.map((item) => (
          <NavLink
            key={item.path}
            component={Link}
            to={`/${item.path}`}
            label={t(item.label)}
            // Filled: the light variant's teal text on pale teal is below AA contrast.
            variant="filled"
            leftSection={<item.icon size={20} aria-hidden />}
            active={location.pathname === `/${item.path}` || location.pathname.startsWith(`/${item.path}/`)}
            aria-current={location.pathname.startsWith(`/${item.path}`) ? 'page' : undefined}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<PageLoader />}>
          <Routes>
            <Route index element={<Navigate to="/dashboard" replace />} />
            <Route path="dashboard" element={<DashboardPage />} />
            <Route path="websites" element={<WebsitesPage />} />
            <Route path="websites/:id" element={<WebsitePage />} />
            <Route path="databases" element={<DatabasesPage />} />
            <Route path="databases/:id" element={<DatabasePage />} />
            <Route path="software" element={<SoftwarePage />} />
            <Route path="audit" element={<AuditPage />} />
            <Route path="settings" element={<SettingsPage />} />
            <Route path="settings/:tab" element={<SettingsPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function HostName() {
  const info = useQuery({ queryKey: ['system-info'], queryFn: api.systemInfo, staleTime: 60_000 });
  if (info.isPending) return <Skeleton height={16} width={120} visibleFrom="xs" />;
  if (!info.data) return null;
  return (
    <Text c="dimmed" size="sm" visibleFrom="xs" className="mono" data-testid="host-name">
      {info.data.hostname}
    </Text>
  );
}

/** The language is kept with the account, so it follows the user to any browser. */
function LanguageSwitch() {
  const { t } = useTranslation();
  const setMe = useSetMe();
  const save = useMutation({
    mutationFn: (locale: Locale) => api.updateMe({ locale }),
    onSuccess: (me) => setMe(me),
    onError: (error) => notifyFailure(errorMessage(t, error)),
  });
  return <LanguageMenu onChange={(locale) => save.mutate(locale)} />;
}

/** Follows the OS until the user picks; the pick is kept in this browser. */
function ThemeToggle() {
  const { t } = useTranslation();
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  const label = next === 'dark' ? t('header.themeDark') : t('header.themeLight');
  return (
    <Tooltip label={label}>
      <ActionIcon variant="default" size="lg" aria-label={label} onClick={() => setColorScheme(next)}>
        {computed === 'dark' ? <IconSun size={18} aria-hidden /> : <IconMoon size={18} aria-hidden />}
      </ActionIcon>
    </Tooltip>
  );
}

function UserMenu({ me }: { me: Me }) {
  const { t } = useTranslation();
  const setMe = useSetMe();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: api.logout,
    // The next login starts from the dashboard, whoever logs in.
    onSettled: () => {
      void navigate('/');
      setMe(null);
    },
  });
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('header.userMenu', { username: me.user.username })}>
          <Group gap={6} wrap="nowrap">
            <IconUserCircle size={22} aria-hidden />
            <Text size="sm" visibleFrom="sm" className="mono">
              {me.user.username}
            </Text>
            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item component={Link} to="/settings" leftSection={<IconSettings size={16} aria-hidden />}>
          {t('nav.settings')}
        </Menu.Item>
        <Menu.Item
          color="red"
          leftSection={<IconLogout size={16} aria-hidden className="flip-rtl" />}
          onClick={() => logout.mutate()}
        >
          {t('header.logout')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
