import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../lib/api.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { DatabasesPage } from './DatabasesPage.js';

afterEach(() => vi.unstubAllGlobals());

const database = (name: string, sizeBytes: number, createdAt: number): Database => ({
  id: `id-${name}`,
  engine: 'mariadb',
  name,
  charset: 'utf8mb4',
  collation: 'utf8mb4_unicode_ci',
  createdAt,
  live: { sizeBytes, tables: 1, charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
});

describe('DatabasesPage', () => {
  it('searches and sorts the list, each name leading to its page', async () => {
    fakeServer({
      'GET /databases': () => [
        200,
        { databases: [database('blog', 5000, 3), database('shop', 90000, 1), database('shop_test', 10, 2)] },
      ],
    });
    renderWithProviders(<DatabasesPage />);
    const user = userEvent.setup();
    const names = () =>
      within(screen.getByRole('table', { name: 'MariaDB' }))
        .getAllByRole('link')
        .map((link) => link.textContent);
    await screen.findByRole('table', { name: 'MariaDB' });
    expect(names()).toEqual(['blog', 'shop', 'shop_test']);
    expect(screen.getByRole('link', { name: 'shop' }).getAttribute('href')).toBe('/databases/id-shop');

    await user.click(screen.getByRole('combobox', { name: 'Sort by' }));
    await user.click(await screen.findByRole('option', { name: 'Size, largest first' }));
    expect(names()).toEqual(['shop', 'blog', 'shop_test']);
    await user.click(screen.getByRole('combobox', { name: 'Sort by' }));
    await user.click(await screen.findByRole('option', { name: 'Newest first' }));
    expect(names()).toEqual(['blog', 'shop_test', 'shop']);

    await user.type(screen.getByRole('textbox', { name: 'Search by name' }), 'shop');
    expect(names()).toEqual(['shop_test', 'shop']);
    await user.type(screen.getByRole('textbox', { name: 'Search by name' }), 'x');
    expect(screen.getByText('No database matches “shopx”.')).toBeTruthy();
  });

  it('lists the databases on the server Diwan does not manage and adds one to its list', async () => {
    let listed = [database('shop', 10, 1)];
    const calls = fakeServer({
      'GET /databases': () => [200, { databases: listed }],
      'GET /databases/unmanaged': () => [
        200,
        {
          databases: [
            { name: 'legacy', sizeBytes: 2048, tables: 3, adoptable: true, reason: null },
            { name: 'Old-Shop', sizeBytes: 0, tables: 0, adoptable: false, reason: 'lowercase letters' },
          ],
        },
      ],
      'POST /databases/adopt': (body) => {
        listed = [...listed, database('legacy', 2048, 2)];
        return [201, { ...database((body as { name: string }).name, 2048, 2), users: [], connection: {} }];
      },
    });
    renderWithProviders(<DatabasesPage />);
    const user = userEvent.setup();
    await screen.findByRole('table', { name: 'MariaDB' });
    expect(calls.some((call) => call.path === '/databases/unmanaged')).toBe(false); // asked only when opened
    await user.click(screen.getByRole('button', { name: 'Databases on this server…' }));
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByText('legacy')).toBeTruthy();
    expect(calls.find((call) => call.path === '/databases/unmanaged')?.query).toBe('?engine=mariadb');
    expect(within(dialog).queryByRole('button', { name: 'Add Old-Shop to Diwan' })).toBeNull();
    expect(within(dialog).getByText(/does not follow Diwan's rules/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Add legacy to Diwan' }));
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({ engine: 'mariadb', name: 'legacy' });
    // The list is asked again and shows it.
    expect(
      await within(screen.getByRole('table', { name: 'MariaDB' })).findByRole('link', { name: 'legacy' }),
    ).toBeTruthy();
  });

  it('says so when there are no databases yet', async () => {
    fakeServer({ 'GET /databases': () => [200, { databases: [] }] });
    renderWithProviders(<DatabasesPage />);
    expect(await screen.findByText('No databases yet.')).toBeTruthy();
  });
});
