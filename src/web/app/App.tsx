import { DirectionProvider, MantineProvider, useDirection } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter } from 'react-router';
import { LoginPage } from '../features/login/LoginPage.js';
import { applyLocale, directionOf } from '../i18n/index.js';
import { currentEntrance } from '../lib/entrance.js';
import { live } from '../lib/live.js';
import { useMe } from './auth.js';
import { ErrorState } from './ErrorState.js';
import { FullPageLoader } from './FullPageLoader.js';
import { createQueryClient, ME_KEY } from './query-client.js';
import { cssVariablesResolver, theme } from './theme.js';

// Everything past the login is loaded once someone has logged in: the login page stays small.
const Shell = lazy(() => import('./Shell.js').then((m) => ({ default: m.Shell })));
// Toasts are shown only once someone is logged in: their code stays out of the login page too.
const Notifications = lazy(() =>
  import('@mantine/notifications').then((m) => ({ default: m.Notifications })),
);
const ForcedPasswordChange = lazy(() =>
  import('../features/login/ForcedPasswordChange.js').then((m) => ({ default: m.ForcedPasswordChange })),
);

export function App() {
  const [queryClient] = useState(createQueryClient);
  const { i18n } = useTranslation();
  // The live socket closes with 4401 when the session ends: back to the login page.
  useEffect(() => {
    live.onSessionEnded = () => queryClient.setQueryData(ME_KEY, null);
  }, [queryClient]);
  return (
    <QueryClientProvider client={queryClient}>
      <DirectionProvider initialDirection={directionOf(i18n.language)} detectDirection={false}>
        <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
          <DirectionSync />
          <BrowserRouter basename={`/${currentEntrance()}`}>
            <AuthGate />
          </BrowserRouter>
        </MantineProvider>
      </DirectionProvider>
    </QueryClientProvider>
  );
}

/** Mantine's direction follows the language (the page's `dir` is set by applyLocale). */
function DirectionSync() {
  const { i18n } = useTranslation();
  const { setDirection } = useDirection();
  useEffect(() => {
    setDirection(directionOf(i18n.language));
  }, [i18n.language, setDirection]);
  return null;
}

function AuthGate() {
  const me = useMe();
  const locale = me.data?.user.locale;
  // The user's own choice, kept with the account, wins over the browser's.
  useEffect(() => {
    if (locale === 'en' || locale === 'ar') void applyLocale(locale);
  }, [locale]);
  if (me.isPending) return <FullPageLoader />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return <LoginPage />;
  return (
    <Suspense fallback={<FullPageLoader />}>
      <Notifications position="top-center" />
      {me.data.user.mustChangePassword ? <ForcedPasswordChange me={me.data} /> : <Shell me={me.data} />}
    </Suspense>
  );
}
