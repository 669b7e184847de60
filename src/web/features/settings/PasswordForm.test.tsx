import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rememberCsrfToken } from '../../lib/api.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { PasswordForm } from './PasswordForm.js';

afterEach(() => vi.unstubAllGlobals());

async function fill(current: string, next: string, again: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText(/^current password/i), current);
  await user.type(screen.getByLabelText(/^new password(?! again)/i), next);
  await user.type(screen.getByLabelText(/^new password again/i), again);
  await user.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('PasswordForm', () => {
  it('refuses two different new passwords without asking the server', async () => {
    const calls = fakeServer({});
    renderWithProviders(<PasswordForm onDone={() => undefined} />);
    await fill('old password here', 'new password one', 'new password two');
    expect(await screen.findByText('The two new passwords are not the same.')).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it('shows the server’s verdict on the field it names', async () => {
    fakeServer({
      'POST /auth/password': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'wrong', field: 'currentPassword' } },
      ],
    });
    renderWithProviders(<PasswordForm onDone={() => undefined} />);
    await fill('not my password', 'a brand new passphrase', 'a brand new passphrase');
    const message = await screen.findByText('The current password is wrong.');
    // Tied to its input, so a screen reader reads it with the field.
    const current = screen.getByLabelText(/^current password/i);
    expect(current.getAttribute('aria-describedby')?.split(' ')).toContain(message.id);
  });

  it('sends both passwords with the CSRF token, then reports success', async () => {
    rememberCsrfToken('csrf-123');
    const calls = fakeServer({ 'POST /auth/password': () => [200, { ok: true }] });
    const onDone = vi.fn();
    renderWithProviders(<PasswordForm onDone={onDone} />);
    await fill('old password here', 'a brand new passphrase', 'a brand new passphrase');
    await vi.waitFor(() => expect(onDone).toHaveBeenCalledOnce());
    expect(calls[0]).toMatchObject({
      body: { currentPassword: 'old password here', newPassword: 'a brand new passphrase' },
      headers: { 'x-csrf-token': 'csrf-123' },
    });
  });
});
