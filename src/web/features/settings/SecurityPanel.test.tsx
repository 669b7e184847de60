import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { SecurityPanel } from './SecurityPanel.js';

const SETTINGS = { entrance: 'entrance-0001', idleMinutes: 60, lifetimeHours: 24 };

// The panel moves the browser when the entrance changes; it runs here at its current entrance.
beforeEach(() => window.history.replaceState(null, '', '/entrance-0001/settings/security'));
afterEach(() => vi.unstubAllGlobals());

const patches = (calls: ReturnType<typeof fakeServer>) =>
  calls.filter((call) => call.method === 'PATCH').map((call) => call.body);

async function replace(name: RegExp, value: string) {
  const user = userEvent.setup();
  const input = await screen.findByRole('textbox', { name });
  await user.clear(input);
  await user.type(input, value);
}

describe('SecurityPanel', () => {
  it('saves new session timeouts as numbers, without the entrance it did not change', async () => {
    const calls = fakeServer({
      'GET /settings/security': () => [200, SETTINGS],
      'PATCH /settings/security': (body) => [200, { ...SETTINGS, ...(body as object) }],
    });
    renderWithProviders(<SecurityPanel />);
    expect(await screen.findByDisplayValue('entrance-0001')).toBeTruthy();
    await replace(/^Log out after inactivity/, '30');
    await replace(/^Log out after login in any case/, '12');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(patches(calls)).toEqual([{ idleMinutes: 30, lifetimeHours: 12 }]));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('sends a new entrance after warning where the panel moves, and shows the server’s refusal on it', async () => {
    const calls = fakeServer({
      'GET /settings/security': () => [200, SETTINGS],
      'PATCH /settings/security': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'entrance: too short', field: 'entrance' } },
      ],
    });
    renderWithProviders(<SecurityPanel />);
    await replace(/^Entrance/, 'short');
    expect(screen.getByText(/the panel moves to this address/)).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() =>
      expect(patches(calls)).toEqual([{ entrance: 'short', idleMinutes: 60, lifetimeHours: 24 }]),
    );
    const message = await screen.findByText(
      'The entrance must be 8 to 64 characters: letters, digits, _ and -.',
    );
    const entrance = screen.getByRole('textbox', { name: /^Entrance/ });
    expect(entrance.getAttribute('aria-invalid')).toBe('true');
    expect(entrance.getAttribute('aria-describedby')?.split(' ')).toContain(message.id);
  });

  it('shows a refused timeout on its own field, not the others', async () => {
    fakeServer({
      'GET /settings/security': () => [200, SETTINGS],
      'PATCH /settings/security': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'idleMinutes: too big', field: 'idleMinutes' } },
      ],
    });
    renderWithProviders(<SecurityPanel />);
    await replace(/^Log out after inactivity/, '9999');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/^Enter a whole number of minutes from 5/)).toBeTruthy();
    expect(
      screen.getByRole('textbox', { name: /^Log out after inactivity/ }).getAttribute('aria-invalid'),
    ).toBe('true');
    expect(screen.getByRole('textbox', { name: /^Entrance/ }).getAttribute('aria-invalid')).not.toBe('true');
  });
});
