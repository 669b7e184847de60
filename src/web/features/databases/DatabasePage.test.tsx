import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DatabaseDetail, DatabaseUser, Task } from '../../lib/api.js';
import { FakeSocket, followedTask } from '../../test/fake-socket.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { DatabasePage } from './DatabasePage.js';

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.all = [];
});

const OWNER: DatabaseUser = {
  id: 'u1',
  username: 'shop',
  hosts: ['localhost'],
  remoteAccess: false,
  owner: true,
  createdAt: 1,
  updatedAt: 1,
};
const READER: DatabaseUser = { ...OWNER, id: 'u2', username: 'shop_ro', hosts: ['127.0.0.1'], owner: false };
const SHOP: DatabaseDetail = {
  id: 'd1',
  engine: 'mariadb',
  name: 'shop',
  charset: 'utf8mb4',
  collation: 'utf8mb4_unicode_ci',
  createdAt: 1_790_000_000_000,
  live: { sizeBytes: 49152, tables: 3, charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
  users: [OWNER, READER],
  connection: {
    host: '127.0.0.1',
    port: 3306,
    socket: '/run/mysqld/mysqld.sock',
    database: 'shop',
    username: 'shop',
  },
};
const TASK: Task = {
  id: '22222222-2222-4222-8222-222222222222',
  kind: 'database.export',
  title: 'Export shop',
  state: 'queued',
  progress: 0,
  cancellable: true,
  createdBy: 'admin',
  createdAt: 1,
  startedAt: null,
  finishedAt: null,
  error: null,
  result: null,
};

async function openDatabase(routes: Parameters<typeof fakeServer>[0], database = SHOP) {
  const calls = fakeServer({
    [`GET /databases/${database.id}`]: () => [200, database],
    'GET /databases/users': () => [200, { users: [] }],
    [`GET /databases/${database.id}/exports`]: () => [200, { exports: [] }],
    ...routes,
  });
  renderWithProviders(
    <Routes>
      <Route path="/databases/:id" element={<DatabasePage />} />
    </Routes>,
    `/databases/${database.id}`,
  );
  expect(await screen.findByRole('heading', { name: database.name })).toBeTruthy();
  return { calls, user: userEvent.setup() };
}

const sent = (calls: ReturnType<typeof fakeServer>, method: string) =>
  calls.filter((call) => call.method === method).map((call) => ({ path: call.path, body: call.body }));

describe('DatabasePage: users', () => {
  it('reveals a password only once asked to, and asks the server each time', async () => {
    const { calls, user } = await openDatabase({
      'POST /databases/d1/users/u2/reveal-password': () => [
        200,
        { username: 'shop_ro', password: 'Kept-secret-123' },
      ],
    });
    await user.click(screen.getByRole('button', { name: 'Reveal the password of shop_ro' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reveal the password of shop_ro?' });
    expect(within(dialog).getByText(/recorded in the audit log/)).toBeTruthy();
    expect(sent(calls, 'POST')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Reveal password' }));
    expect((await screen.findByTestId('revealed-password')).textContent).toBe('Kept-secret-123');
    await user.click(within(dialog).getAllByRole('button', { name: 'Close' }).at(-1)!);
    expect(sent(calls, 'POST')).toEqual([
      { path: '/databases/d1/users/u2/reveal-password', body: undefined },
    ]);
  });

  it('changes a password to a generated one, shown once, or to one typed, with the server’s refusal on it', async () => {
    const { calls, user } = await openDatabase({
      'PATCH /databases/d1/users/u1': (body) =>
        (body as { password?: string }).password === 'short'
          ? [
              400,
              { error: { code: 'DIWAN_E_VALIDATION', message: 'password: too short', field: 'password' } },
            ]
          : [
              200,
              {
                ...OWNER,
                ...((body as { generate?: true }).generate ? { password: 'Generated-pass-9xyz' } : {}),
              },
            ],
    });
    await user.click(screen.getByRole('button', { name: 'Change the password of shop' }));
    let dialog = await screen.findByRole('dialog', { name: 'Change the password of shop' });
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect((await screen.findByTestId('shown-password')).textContent).toBe('Generated-pass-9xyz');

    await user.click(screen.getByRole('button', { name: 'Change the password of shop' }));
    dialog = await screen.findByRole('dialog', { name: 'Change the password of shop' });
    await user.click(within(dialog).getByRole('radio', { name: 'Type my own' }));
    await user.type(within(dialog).getByLabelText(/New password of shop/), 'short');
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByText(/The password must be long enough/)).toBeTruthy();
    expect(sent(calls, 'PATCH')).toEqual([
      { path: '/databases/d1/users/u1', body: { generate: true } },
      { path: '/databases/d1/users/u1', body: { password: 'short' } },
    ]);
  });

  it('edits where a MariaDB user connects from, and names a refused host in its own words', async () => {
    const { calls, user } = await openDatabase({
      'PATCH /databases/d1/users/u2': (body) =>
        (body as { hosts: string[] }).hosts.includes('evil;')
          ? [400, { error: { code: 'DIWAN_E_VALIDATION', message: 'hosts.1: bad', field: 'hosts.1' } }]
          : [200, { ...READER, ...(body as object) }],
    });
    await user.click(screen.getByRole('button', { name: 'Where shop_ro connects from' }));
    const dialog = await screen.findByRole('dialog', { name: 'Where shop_ro connects from' });
    const addresses = within(dialog).getByRole('textbox', { name: /IP addresses/ });
    expect((addresses as HTMLInputElement).value).toBe('127.0.0.1');
    await user.type(addresses, ', evil;');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText(/Each host must be localhost, % or one IP address/)).toBeTruthy();
    await user.clear(addresses);
    await user.type(addresses, '192.0.2.10 localhost');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(sent(calls, 'PATCH').map((call) => call.body)).toEqual([
      { hosts: ['127.0.0.1', 'evil;'] },
      { hosts: ['192.0.2.10', 'localhost'] },
    ]);
  });

  it('revokes after a confirmation, and grants a user of another database', async () => {
    const { calls, user } = await openDatabase({
      'GET /databases/users': () => [
        200,
        {
          users: [
            { id: 'u1', username: 'shop', hosts: ['localhost'], databases: ['shop'] },
            { id: 'u9', username: 'blog', hosts: ['localhost'], databases: ['blog'] },
          ],
        },
      ],
      'DELETE /databases/d1/grants/u2': () => [200, { ok: true }],
      'PUT /databases/d1/grants/u9': () => [200, { ...OWNER, id: 'u9', username: 'blog', owner: false }],
    });
    expect(screen.queryByRole('button', { name: 'Revoke shop on this database' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Revoke shop_ro on this database' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke shop_ro?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await vi.waitFor(() => expect(sent(calls, 'DELETE')).toHaveLength(1));

    await user.click(screen.getByRole('combobox', { name: 'User' }));
    // Only users not on this database yet are offered.
    expect(screen.queryByRole('option', { name: /^shop/ })).toBeNull();
    await user.click(await screen.findByRole('option', { name: 'blog (blog)' }));
    await user.click(screen.getByRole('button', { name: 'Grant' }));
    await vi.waitFor(() =>
      expect(sent(calls, 'PUT')).toEqual([{ path: '/databases/d1/grants/u9', body: undefined }]),
    );
  });

  it('turns remote access on for a PostgreSQL role, and offers no hosts there', async () => {
    const role: DatabaseUser = { ...OWNER, id: 'r1', username: 'app', hosts: [] };
    const app: DatabaseDetail = { ...SHOP, id: 'd2', engine: 'postgresql', name: 'app', users: [role] };
    // The server's answer after the change, as a reload of the page gets it too.
    let current = app;
    const { calls, user } = await openDatabase(
      {
        'GET /databases/d2': () => [200, current],
        'PATCH /databases/d2/users/r1': () => {
          current = { ...app, users: [{ ...role, remoteAccess: true }] };
          return [200, current.users[0]];
        },
      },
      app,
    );
    expect(screen.queryByRole('button', { name: /connects from/ })).toBeNull();
    const toggle = screen.getByRole('switch', { name: 'Remote access for app' });
    await user.click(toggle);
    await vi.waitFor(() => expect((toggle as HTMLInputElement).checked).toBe(true));
    expect(sent(calls, 'PATCH')).toEqual([{ path: '/databases/d2/users/r1', body: { remoteAccess: true } }]);
  });
});

describe('DatabasePage: import and export', () => {
  it('exports as a task followed live, then offers the file to download', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    let exported = false;
    const file = { file: 'd1-1790000000000.sql.gz', sizeBytes: 2048, createdAt: 1_790_000_000_000 };
    const { user } = await openDatabase({
      'POST /databases/d1/export': () => [202, TASK],
      'GET /databases/d1/exports': () => [200, { exports: exported ? [file] : [] }],
    });
    await user.click(screen.getByRole('tab', { name: 'Import and export' }));
    expect(await screen.findByText('No exports yet.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Export now' }));
    const update = await followedTask(TASK.id);
    update({ type: 'task', task: { ...TASK, state: 'running', progress: 50 } });
    update({
      type: 'log',
      taskId: TASK.id,
      lines: [{ seq: 1, at: 2, stream: 'info', line: 'Dumped 2.0 KB in 0.1 s' }],
    });
    const panel = await screen.findByTestId('task-log');
    expect(await within(panel).findByText('Dumped 2.0 KB in 0.1 s')).toBeTruthy();
    exported = true;
    update({ type: 'task', task: { ...TASK, state: 'succeeded', progress: 100 } });
    expect(await within(panel).findByText('Done')).toBeTruthy();
    const download = await screen.findByRole('link', { name: 'Download shop-1790000000000.sql.gz' });
    expect(download.getAttribute('href')).toBe(`/api/v1/databases/d1/exports/${file.file}`);
  });

  it('imports a file on the server after a confirmation, and an uploaded dump as the raw body', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const { calls, user } = await openDatabase({
      'POST /databases/d1/import': (body) =>
        (body as { path?: string }).path === '/etc/shadow'
          ? [400, { error: { code: 'DIWAN_E_VALIDATION', message: 'path: no', field: 'path' } }]
          : [202, { ...TASK, kind: 'database.import' }],
      'POST /databases/uploads': () => [
        201,
        { id: '33333333-3333-4333-8333-333333333333', sizeBytes: 9, compressed: false },
      ],
    });
    await user.click(screen.getByRole('tab', { name: 'Import and export' }));
    await user.click(await screen.findByRole('radio', { name: 'A file on the server' }));
    const path = screen.getByRole('textbox', { name: /Path on the server/ });
    await user.type(path, '/etc/shadow');
    await user.click(screen.getByRole('button', { name: 'Import' }));
    let dialog = await screen.findByRole('dialog', { name: 'Import into shop?' });
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(await screen.findByText(/Give a .sql or .sql.gz file under/)).toBeTruthy();

    await user.click(screen.getByRole('radio', { name: 'A file from this computer' }));
    const dump = new File(['SELECT 1;'], 'shop.sql', { type: 'application/sql' });
    await user.upload(screen.getByLabelText(/Dump file/), dump);
    await user.click(screen.getByRole('button', { name: 'Import' }));
    dialog = await screen.findByRole('dialog', { name: 'Import into shop?' });
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(await screen.findByTestId('task-log')).toBeTruthy();
    const posts = calls.filter((call) => call.method === 'POST');
    expect(posts.map((call) => [call.path, call.body])).toEqual([
      ['/databases/d1/import', { path: '/etc/shadow' }],
      ['/databases/uploads', undefined],
      ['/databases/d1/import', { upload: '33333333-3333-4333-8333-333333333333' }],
    ]);
    expect(posts[1]!.headers['content-type']).toBe('application/octet-stream');
  });
});
