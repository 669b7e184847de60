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

  it('says so when there are no databases yet', async () => {
    fakeServer({ 'GET /databases': () => [200, { databases: [] }] });
    renderWithProviders(<DatabasesPage />);
    expect(await screen.findByText('No databases yet.')).toBeTruthy();
  });
});
