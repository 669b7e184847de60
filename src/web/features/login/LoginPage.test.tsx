import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { LoginPage } from './LoginPage.js';

const ME = {
  user: { id: 'u1', username: 'admin', locale: null, totpEnabled: true, mustChangePassword: false },
  via: 'session',
  scope: 'admin',
  csrfToken: 'csrf',
};
const error = (code: string, message = 'server words') => ({ error: { code, message } });

afterEach(() => vi.unstubAllGlobals());

async function fillAndSubmit(username: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByRole('textbox', { name: /username/i }), username);
  await user.type(screen.getByLabelText(/^password/i), password);
  await user.click(screen.getByRole('button', { name: 'Log in' }));
  return user;
}

describe('LoginPage', () => {
  it('sends the entrance with the credentials, then asks for the code when 2FA is on', async () => {
    let attempts = 0;
    const calls = fakeServer({
      'POST /auth/login': (body) => {
        attempts += 1;
        return (body as { totp?: string }).totp === '123456'
          ? [200, ME]
          : [401, error('DIWAN_E_TOTP_REQUIRED')];
      },
    });
    // The entrance is the first segment of the page's own address.
    window.history.replaceState(null, '', '/entrance-0001/settings');
    renderWithProviders(<LoginPage />);
    const user = await fillAndSubmit('admin', 'correct horse');
    const code = await screen.findByRole('textbox', { name: /code from your authenticator app/i });
    await vi.waitFor(() => expect(document.activeElement).toBe(code));
    await user.type(code, '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await vi.waitFor(() => expect(attempts).toBe(2));
    expect(calls.map((call) => call.body)).toEqual([
      { username: 'admin', password: 'correct horse', entrance: 'entrance-0001' },
      { username: 'admin', password: 'correct horse', entrance: 'entrance-0001', totp: '123456' },
    ]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says plainly when logins are locked, in the words of the interface, not the server', async () => {
    fakeServer({ 'POST /auth/login': () => [429, error('DIWAN_E_LOCKED_OUT')] });
    renderWithProviders(<LoginPage />);
    await fillAndSubmit('admin', 'guess');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Too many failed attempts.*15 minutes/);
    expect(alert.textContent).not.toContain('server words');
  });

  it('offers a recovery code instead of the app code', async () => {
    const calls = fakeServer({
      'POST /auth/login': (body) =>
        (body as { recoveryCode?: string }).recoveryCode
          ? [401, error('DIWAN_E_UNAUTHORIZED')]
          : [401, error('DIWAN_E_TOTP_REQUIRED')],
    });
    renderWithProviders(<LoginPage />);
    const user = await fillAndSubmit('admin', 'correct horse');
    await user.click(await screen.findByRole('button', { name: 'Use a recovery code instead' }));
    await user.type(screen.getByRole('textbox', { name: /recovery code/i }), 'abcd-efgh');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong username, password or code.');
    expect(calls.at(-1)?.body).toMatchObject({ recoveryCode: 'abcd-efgh' });
  });
});
