import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../../test/fake-socket.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { WebsitePage } from './WebsitePage.js';

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.all = [];
});

const SITE = {
  id: 's1',
  type: 'static',
  domains: ['example.com', 'www.example.com'],
  root: '/var/www/example.com',
  phpVersion: null,
  upstream: null,
  redirect: null,
  options: { gzip: true, rewrite: 'none', allow: [], deny: [], accessLog: true, errorPages: [] },
  enabled: true,
  createdAt: '2026-11-30T09:00:00Z',
  updatedAt: '2026-11-30T09:00:00Z',
};

async function openSitePage(): Promise<void> {
  renderWithProviders(
    <Routes>
      <Route path="/websites/:id" element={<WebsitePage />} />
    </Routes>,
    '/websites/s1',
  );
  expect(await screen.findByRole('heading', { name: 'example.com' })).toBeTruthy();
}

describe('WebsitePage', () => {
  it('follows the log live, and asks the API when filtering by a search', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const calls = fakeServer({
      'GET /websites/s1': () => [200, SITE],
      'GET /websites/s1/logs': () => [
        200,
        { file: '/var/log/nginx/example.com.error.log', lines: ['open() failed'] },
      ],
    });
    await openSitePage();
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: 'Logs' }));
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    const socket = FakeSocket.all[0]!;
    socket.open();
    expect(socket.sent).toEqual([{ type: 'subscribe', channel: 'site-log', id: 's1', kind: 'access' }]);
    socket.receive({ type: 'update', channel: 'site-log', id: 's1', kind: 'access', lines: ['GET / 200'] });
    socket.receive({ type: 'update', channel: 'site-log', id: 's1', kind: 'access', lines: ['GET /a 404'] });
    await vi.waitFor(() => expect(screen.getByTestId('site-log').textContent).toBe('GET / 200\nGET /a 404'));

    await user.click(screen.getByRole('radio', { name: 'Errors' }));
    await user.type(screen.getByRole('textbox', { name: 'Only lines containing' }), 'open');
    expect(await screen.findByText('open() failed')).toBeTruthy();
    const logQueries = () =>
      calls.filter((call) => call.path === '/websites/s1/logs').map((call) => call.query);
    expect(logQueries().at(-1)).toContain('kind=error');
    expect(logQueries().at(-1)).toContain('search=open');
  });

  it('edits the domains and the settings, each saved as one change', async () => {
    const calls = fakeServer({
      'GET /websites/s1': () => [200, SITE],
      'PATCH /websites/s1': (body) => [200, { ...SITE, ...(body as object), taskId: 't1', note: null }],
    });
    await openSitePage();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Remove www.example.com' }));
    await user.type(screen.getByRole('textbox', { name: 'Add a domain' }), 'Shop.Example.com{Enter}');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const patches = () => calls.filter((call) => call.method === 'PATCH').map((call) => call.body);
    await vi.waitFor(() => expect(patches()).toEqual([{ domains: ['example.com', 'shop.example.com'] }]));

    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    await user.click(screen.getByRole('switch', { name: 'Compress responses (gzip)' }));
    await user.click(screen.getByRole('radio', { name: 'WordPress' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(patches()).toHaveLength(2));
    expect(patches()[1]).toEqual({ options: { ...SITE.options, gzip: false, rewrite: 'wordpress' } });
  });

  it('saves access rules, limits, error pages, a login and a snippet as one change', async () => {
    const calls = fakeServer({
      'GET /websites/s1': () => [200, SITE],
      'PATCH /websites/s1': (body) => [200, { ...SITE, ...(body as object), taskId: 't1', note: null }],
    });
    await openSitePage();
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    await user.type(screen.getByRole('textbox', { name: 'Requests per second from one address' }), '10');
    await user.type(screen.getByRole('textbox', { name: 'Page for 502' }), '/errors/down.html');
    await user.type(screen.getByRole('textbox', { name: 'Page for 404' }), '/404.html');
    await user.click(screen.getByRole('switch', { name: 'Ask for a login' }));
    const path = screen.getByRole('textbox', { name: 'Path to protect (/ for the whole site)' });
    await user.clear(path);
    await user.type(path, '/private');
    await user.type(screen.getByRole('textbox', { name: 'Username' }), 'ana');
    await user.type(screen.getByLabelText('Password'), 'open-sesame-42');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(screen.getByRole('button', { name: 'Remove ana' })).toBeTruthy();
    await user.type(
      screen.getByRole('textbox', { name: 'nginx directives (administrators)' }),
      'client_max_body_size 8m;',
    );
    await user.click(screen.getByRole('button', { name: 'Save access and limits' }));
    const patch = () => calls.find((call) => call.method === 'PATCH')?.body;
    await vi.waitFor(() => expect(patch()).toBeDefined());
    expect(patch()).toEqual({
      options: {
        ...SITE.options,
        rateLimit: { perSecond: 10, burst: 0 },
        errorPages: [
          { code: 404, page: '/404.html' },
          { code: 502, page: '/errors/down.html' },
        ],
        passwordProtection: {
          path: '/private',
          realm: 'Restricted',
          users: [{ username: 'ana', password: 'open-sesame-42' }],
        },
        snippet: 'client_max_body_size 8m;',
      },
    });
  });

  it('offers error pages only to sites with a folder of their own', async () => {
    const proxy = { ...SITE, type: 'proxy', root: null, upstream: 'http://127.0.0.1:3000' };
    fakeServer({ 'GET /websites/s1': () => [200, proxy] });
    await openSitePage();
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(await screen.findByRole('button', { name: 'Save access and limits' })).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: 'Page for 404' })).toBeNull();
  });

  it('takes the site offline only after a confirmation, and back online at once', async () => {
    let enabled = true;
    const calls = fakeServer({
      'GET /websites/s1': () => [200, { ...SITE, enabled }],
      'PATCH /websites/s1': (body) => {
        enabled = (body as { enabled: boolean }).enabled;
        return [200, { ...SITE, enabled, taskId: 't1', note: null }];
      },
    });
    await openSitePage();
    const user = userEvent.setup();
    const patches = () => calls.filter((call) => call.method === 'PATCH').map((call) => call.body);
    await user.click(screen.getByRole('tab', { name: 'Settings' }));
    // Its label holds its description too: "Online", then what off means.
    const online = await screen.findByRole('switch', { name: /^Online/ });

    await user.click(online);
    const dialog = await screen.findByRole('dialog', { name: 'Take example.com offline?' });
    expect(within(dialog).getByText(/maintenance page \(503\)/)).toBeTruthy();
    expect(patches()).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(patches()).toEqual([]);
    expect((screen.getByRole('switch', { name: /^Online/ }) as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByRole('switch', { name: /^Online/ }));
    const again = await screen.findByRole('dialog', { name: 'Take example.com offline?' });
    await user.click(within(again).getByRole('button', { name: 'Take offline' }));
    await vi.waitFor(() => expect(patches()).toEqual([{ enabled: false }]));
    await vi.waitFor(() =>
      expect((screen.getByRole('switch', { name: /^Online/ }) as HTMLInputElement).checked).toBe(false),
    );

    await user.click(screen.getByRole('switch', { name: /^Online/ }));
    await vi.waitFor(() => expect(patches()).toEqual([{ enabled: false }, { enabled: true }]));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
