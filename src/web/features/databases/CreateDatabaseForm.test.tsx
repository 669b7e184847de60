import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { CreateDatabaseForm } from './CreateDatabaseForm.js';

afterEach(() => vi.unstubAllGlobals());

describe('CreateDatabaseForm', () => {
  it('names the user after the database and leaves the password to the server when blank', async () => {
    const calls = fakeServer({ 'POST /databases': (body) => [201, { ...(body as object), id: 'd1' }] });
    const onCreated = vi.fn();
    renderWithProviders(<CreateDatabaseForm engine="postgresql" onCreated={onCreated} />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /^name/i }), 'shop');
    expect((screen.getByRole('textbox', { name: /^user/i }) as HTMLInputElement).value).toBe('shop');
    await user.click(screen.getByRole('button', { name: 'Create database' }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalledOnce());
    expect(calls[0]?.body).toEqual({ engine: 'postgresql', name: 'shop', username: 'shop' });
  });

  it('says what is wrong with a database name in its own words, not the token form’s', async () => {
    fakeServer({
      'POST /databases': () => [
        400,
        { error: { code: 'DIWAN_E_VALIDATION', message: 'name: reserved', field: 'name' } },
      ],
    });
    renderWithProviders(<CreateDatabaseForm engine="mariadb" onCreated={() => undefined} />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /^name/i }), 'mysql');
    await user.click(screen.getByRole('button', { name: 'Create database' }));
    expect(await screen.findByText(/not one the server keeps for itself/)).toBeTruthy();
    expect(screen.queryByText(/Give the token a name/)).toBeNull();
  });
});

describe('CreateDatabaseForm hosts', () => {
  it('sends listed addresses for a MariaDB user, and none for this server only', async () => {
    const calls = fakeServer({ 'POST /databases': (body) => [201, { ...(body as object), id: 'd1' }] });
    renderWithProviders(<CreateDatabaseForm engine="mariadb" onCreated={() => undefined} />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /^name/i }), 'shop');
    await user.click(screen.getByRole('radio', { name: 'Listed addresses' }));
    await user.type(screen.getByRole('textbox', { name: /IP addresses/ }), '192.0.2.7, localhost');
    await user.click(screen.getByRole('button', { name: 'Create database' }));
    await user.click(screen.getByRole('radio', { name: 'This server only' }));
    await user.click(screen.getByRole('button', { name: 'Create database' }));
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls.map((call) => call.body)).toEqual([
      { engine: 'mariadb', name: 'shop', username: 'shop', hosts: ['192.0.2.7', 'localhost'] },
      { engine: 'mariadb', name: 'shop', username: 'shop' },
    ]);
  });

  it('offers no hosts for PostgreSQL', () => {
    renderWithProviders(<CreateDatabaseForm engine="postgresql" onCreated={() => undefined} />);
    expect(screen.queryByRole('radio', { name: 'Listed addresses' })).toBeNull();
  });
});
