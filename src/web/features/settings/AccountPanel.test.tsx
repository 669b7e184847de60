import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyLocale } from '../../i18n/index.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { AccountPanel } from './AccountPanel.js';

afterEach(async () => {
  vi.unstubAllGlobals();
  await applyLocale('en');
  window.localStorage.clear();
});

const ME = {
  user: { id: 'u1', username: 'admin', locale: 'en', totpEnabled: false, mustChangePassword: false },
  via: 'session',
  scope: 'admin',
  csrfToken: 'csrf-1',
};

describe('AccountPanel', () => {
  it('keeps the language with the account, and turns the page to Arabic, right to left', async () => {
    const calls = fakeServer({
      'GET /auth/me': () => [200, ME],
      'PATCH /auth/me': (body) => [200, { ...ME, user: { ...ME.user, ...(body as object) } }],
    });
    renderWithProviders(<AccountPanel />);
    const user = userEvent.setup();
    const language = await screen.findByRole('radiogroup', { name: 'Language' });
    expect(language).toBeTruthy();
    await vi.waitFor(() =>
      expect((screen.getByRole('radio', { name: 'English' }) as HTMLInputElement).checked).toBe(true),
    );

    await user.click(screen.getByRole('radio', { name: 'العربية' }));
    await vi.waitFor(() =>
      expect(calls.filter((call) => call.method === 'PATCH').map((call) => call.body)).toEqual([
        { locale: 'ar' },
      ]),
    );
    await vi.waitFor(() => expect(document.documentElement.dir).toBe('rtl'));
    expect(document.documentElement.lang).toBe('ar');
    expect(await screen.findByRole('heading', { name: 'اللغة' })).toBeTruthy();
    expect((screen.getByRole('radio', { name: 'العربية' }) as HTMLInputElement).checked).toBe(true);
  });

  it('keeps English when the server refuses the change', async () => {
    const calls = fakeServer({
      'GET /auth/me': () => [200, ME],
      'PATCH /auth/me': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'locale: bad', field: 'locale' } },
      ],
    });
    renderWithProviders(<AccountPanel />);
    await userEvent.setup().click(await screen.findByRole('radio', { name: 'العربية' }));
    await vi.waitFor(() => expect(calls.some((call) => call.method === 'PATCH')).toBe(true));
    await vi.waitFor(() =>
      expect((screen.getByRole('radio', { name: 'English' }) as HTMLInputElement).checked).toBe(true),
    );
    expect(document.documentElement.dir).toBe('ltr');
    expect(screen.getByRole('heading', { name: 'Language' })).toBeTruthy();
  });
});
