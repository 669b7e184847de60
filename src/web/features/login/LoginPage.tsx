import {
  Alert,
  Anchor,
  Button,
  Center,
  Group,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSetMe } from '../../app/auth.js';
import { api, ApiError, type LoginBody } from '../../lib/api.js';
import { currentEntrance } from '../../lib/entrance.js';
import { errorMessage } from '../../lib/errors.js';
import { LanguageButtons } from './LanguageButtons.js';

type Step = 'password' | 'totp' | 'recovery';

/**
 * Username and password, then the code from the authenticator app when the account has 2FA (or one
 * of its recovery codes). The server never says which part was wrong; lockouts are shown plainly.
 */
export function LoginPage() {
  const { t } = useTranslation();
  const setMe = useSetMe();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<Step>('password');
  const [error, setError] = useState<string | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = t('login.documentTitle');
  }, [t]);
  useEffect(() => {
    if (step !== 'password') codeRef.current?.focus();
  }, [step]);

  const login = useMutation({
    mutationFn: (body: LoginBody) => api.login(body),
    onSuccess: (me) => setMe(me),
    onError: (failure) => {
      if (failure instanceof ApiError && failure.code === 'DIWAN_E_TOTP_REQUIRED' && step === 'password') {
        setStep('totp');
        setError(null);
        return;
      }
      setError(errorMessage(t, failure));
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: LoginBody = { username, password, entrance: currentEntrance() };
    if (step === 'totp') body.totp = code.trim();
    if (step === 'recovery') body.recoveryCode = code.trim();
    login.mutate(body);
  };

  return (
    <Center mih="100vh" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" w="100%" maw={400}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Group justify="flex-end">
              <LanguageButtons />
            </Group>
            <Title order={1} size="h3">
              {t('login.title')}
            </Title>
            {step === 'password' ? (
              <>
                <TextInput
                  label={t('login.username')}
                  autoComplete="username"
                  autoCapitalize="none"
                  spellCheck={false}
                  required
                  data-autofocus
                  autoFocus
                  value={username}
                  onChange={(event) => setUsername(event.currentTarget.value)}
                />
                <PasswordInput
                  label={t('login.password')}
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(event) => setPassword(event.currentTarget.value)}
                />
              </>
            ) : (
              <TextInput
                ref={codeRef}
                label={step === 'totp' ? t('login.totp') : t('login.recoveryCode')}
                description={step === 'totp' ? t('login.totpHint') : t('login.recoveryHint')}
                inputMode={step === 'totp' ? 'numeric' : 'text'}
                autoComplete="one-time-code"
                spellCheck={false}
                required
                value={code}
                onChange={(event) => setCode(event.currentTarget.value)}
              />
            )}
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={login.isPending} fullWidth>
              {step === 'password' ? t('login.submit') : t('login.verify')}
            </Button>
            {step !== 'password' && (
              <Anchor
                component="button"
                type="button"
                size="sm"
                onClick={() => {
                  setStep(step === 'totp' ? 'recovery' : 'totp');
                  setCode('');
                  setError(null);
                }}
              >
                {step === 'totp' ? t('login.useRecoveryCode') : t('login.useTotp')}
              </Anchor>
            )}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
