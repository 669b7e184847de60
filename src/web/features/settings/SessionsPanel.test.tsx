import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { SessionsPanel } from './SessionsPanel.js';

afterEach(() => vi.unstubAllGlobals());

const session = (id: string, userAgent: string, current: boolean) => ({
  id,
  ip: '203.0.113.7',
  userAgent,
  createdAt: Date.UTC(2026, 10, 30, 9),
  lastSeenAt: Date.UTC(2026, 10, 30, 10),
  expiresAt: Date.UTC(2026, 11, 1, 9),
  current,
});
const HERE = session('s-here', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36', true);
const PHONE = session('s-phone', 'Mozilla/5.0 (Android 14) Gecko/20100101 Firefox/133.0', false);

describe('SessionsPanel', () => {
  it('logs out another session only after a confirmation; cancel sends nothing', async () => {
    let sessions = [HERE, PHONE];
    const calls = fakeServer({
      'GET /auth/sessions': () => [200, sessions],
      'DELETE /auth/sessions/s-phone': () => {
        sessions = [HERE];
        return [200, { ok: true }];
      },
    });
    renderWithProviders(<SessionsPanel />);
    const user = userEvent.setup();
    const deletes = () => calls.filter((call) => call.method === 'DELETE').map((call) => call.path);
    // This browser's own session has no button: logging out is the account menu's job.
    expect(await screen.findByText('This browser')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /^Log out the session of/ })).toHaveLength(1);

    const revoke = screen.getByRole('button', { name: 'Log out the session of Firefox · Android' });
    await user.click(revoke);
    const dialog = await screen.findByRole('dialog', { name: 'Log out this session?' });
    expect(within(dialog).getByText('The browser Firefox · Android will have to log in again.')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(deletes()).toEqual([]);

    await user.click(revoke);
    await user.click(
      within(await screen.findByRole('dialog', { name: 'Log out this session?' })).getByRole('button', {
        name: 'Log out',
      }),
    );
    await vi.waitFor(() => expect(deletes()).toEqual(['/auth/sessions/s-phone']));
    await vi.waitFor(() => expect(screen.queryByText('Firefox · Android')).toBeNull());
  });

  it('logs out every other session after a confirmation', async () => {
    const calls = fakeServer({
      'GET /auth/sessions': () => [200, [HERE, PHONE]],
      'POST /auth/sessions/revoke-others': () => [200, { revoked: 1 }],
    });
    renderWithProviders(<SessionsPanel />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Log out everywhere else' }));
    const dialog = await screen.findByRole('dialog', { name: 'Log out every other session?' });
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Log out everywhere else' }));
    await vi.waitFor(() =>
      expect(calls.filter((call) => call.method === 'POST').map((call) => call.path)).toEqual([
        '/auth/sessions/revoke-others',
      ]),
    );
  });
});
