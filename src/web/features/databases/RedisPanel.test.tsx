import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RedisStatus } from '../../lib/api.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { RedisPanel } from './RedisPanel.js';

afterEach(() => vi.unstubAllGlobals());

const STATUS: RedisStatus = {
  running: true,
  version: '7.0.15',
  usedMemoryBytes: 1_048_576,
  clients: 3,
  keys: [
    { db: 0, keys: 12, expires: 2 },
    { db: 3, keys: 1, expires: 0 },
  ],
  persistence: { rdbSaves: ['3600 1', '300 100'], appendOnly: false, lastSaveAt: 1_790_000_000_000 },
  passwordSet: false,
  configPath: '/etc/redis/redis.conf',
};

describe('RedisPanel', () => {
  it('shows whether Redis runs, its version, memory, clients, keys and persistence', async () => {
    fakeServer({ 'GET /redis': () => [200, STATUS] });
    renderWithProviders(<RedisPanel />);
    expect((await screen.findByTestId('redis-version')).textContent).toBe('7.0.15');
    expect(screen.getByText('Running')).toBeTruthy();
    expect(screen.getByTestId('redis-memory').textContent).toMatch(/^1\s?MB$/);
    expect(screen.getByTestId('redis-clients').textContent).toBe('3');
    const keys = screen.getByRole('table', { name: 'Keys per database' });
    expect(
      within(keys)
        .getAllByRole('row')
        .map((row) => row.textContent),
    ).toEqual(['DatabaseKeysWith an expiry', 'db0122', 'db310']);
    expect(screen.getByText('3600 1 · 300 100')).toBeTruthy();
    expect(screen.getByText(/No password: any program/)).toBeTruthy();
  });

  it('sets a generated password only after a second press, and shows it once', async () => {
    const calls = fakeServer({
      'GET /redis': () => [200, STATUS],
      'POST /redis/password': () => [
        200,
        { status: { ...STATUS, passwordSet: true }, password: 'Made-by-diwan-123456' },
      ],
    });
    renderWithProviders(<RedisPanel />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Set a password' }));
    const dialog = await screen.findByRole('dialog', { name: 'Set a password' });
    await user.click(within(dialog).getByRole('button', { name: 'Set a password' }));
    expect(within(dialog).getByRole('alert').textContent).toMatch(/Redis restarts/);
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Restart Redis with it' }));
    expect((await screen.findByTestId('redis-password')).textContent).toBe('Made-by-diwan-123456');
    expect(screen.getByText('Clients must give a password.')).toBeTruthy();
    expect(calls.filter((call) => call.method === 'POST').map((call) => call.body)).toEqual([{}]);
  });

  it('sends a typed password, and puts a refusal on its field', async () => {
    const calls = fakeServer({
      'GET /redis': () => [200, { ...STATUS, passwordSet: true }],
      'POST /redis/password': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'password: bad', field: 'password' } },
      ],
    });
    renderWithProviders(<RedisPanel />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Change the password' }));
    const dialog = await screen.findByRole('dialog', { name: 'Change the password' });
    await user.click(within(dialog).getByRole('radio', { name: 'Type my own' }));
    await user.type(within(dialog).getByLabelText(/^Password/), 'has space in it');
    await user.click(within(dialog).getByRole('button', { name: 'Change the password' }));
    await user.click(within(dialog).getByRole('button', { name: 'Restart Redis with it' }));
    expect(await within(dialog).findByText(/The password must be long enough/)).toBeTruthy();
    expect(calls.filter((call) => call.method === 'POST').map((call) => call.body)).toEqual([
      { password: 'has space in it' },
    ]);
  });
});
