import { screen } from '@testing-library/react';
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
  options: { gzip: true, rewrite: 'none', allow: [], deny: [], accessLog: true },
  enabled: true,
  createdAt: '2026-11-30T09:00:00Z',
  updatedAt: '2026-11-30T09:00:00Z',
};

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
    renderWithProviders(
      <Routes>
        <Route path="/websites/:id" element={<WebsitePage />} />
      </Routes>,
      '/websites/s1',
    );
    expect(await screen.findByRole('heading', { name: 'example.com' })).toBeTruthy();
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
});
