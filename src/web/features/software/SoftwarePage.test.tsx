import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SoftwareStatus, Task } from '../../lib/api.js';
import { FakeSocket, followedTask } from '../../test/fake-socket.js';
import { fakeServer, renderWithProviders } from '../../test/render.js';
import { SoftwarePage } from './SoftwarePage.js';

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.all = [];
});

const LABELS = { nginx: 'nginx', redis: 'Redis', 'openssh-server': 'OpenSSH server' } as const;
const entry = (name: keyof typeof LABELS, installed: boolean): SoftwareStatus => ({
  name,
  label: LABELS[name],
  daemon: true,
  installed,
  version: installed ? '1.0' : null,
  variants: [],
  running: installed ? true : null,
  enabledAtBoot: installed ? true : null,
  protected: name === 'redis',
});
const TASK: Task = {
  id: '11111111-1111-4111-8111-111111111111',
  kind: 'software.install',
  title: 'Install nginx',
  state: 'queued',
  progress: 0,
  cancellable: false,
  createdBy: 'admin',
  createdAt: 1,
  startedAt: null,
  finishedAt: null,
  error: null,
  result: null,
};

describe('SoftwarePage', () => {
  it('installs as a task and shows its log and outcome as they arrive on the live socket', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const calls = fakeServer({
      'GET /software': () => [
        200,
        { software: [entry('nginx', false), entry('redis', true)], packageManager: 'apt', init: 'sysv' },
      ],
      'POST /software/nginx/install': () => [202, TASK],
    });
    renderWithProviders(<SoftwarePage />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Install nginx' }));

    const update = await followedTask(TASK.id);
    update({ type: 'task', task: { ...TASK, state: 'running', progress: 40 } });
    update({
      type: 'log',
      taskId: TASK.id,
      lines: [{ seq: 1, at: 2, stream: 'stdout', line: 'Setting up nginx' }],
    });
    const panel = await screen.findByTestId('task-log');
    expect(await within(panel).findByText('Setting up nginx')).toBeTruthy();
    expect(within(panel).getByText('Running')).toBeTruthy();

    update({ type: 'task', task: { ...TASK, state: 'succeeded', progress: 100 } });
    expect(await within(panel).findByText('Done')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Close' })).toBeTruthy();
    expect(calls.filter((call) => call.method === 'POST').map((call) => call.path)).toEqual([
      '/software/nginx/install',
    ]);
  });

  it('does not offer to remove what Diwan runs on', async () => {
    fakeServer({
      'GET /software': () => [200, { software: [entry('redis', true)], packageManager: 'apt', init: 'sysv' }],
    });
    renderWithProviders(<SoftwarePage />);
    const uninstall = await screen.findByRole('button', { name: 'Uninstall Redis' });
    expect(uninstall.hasAttribute('disabled')).toBe(true);
    expect(screen.getByText('Used by Diwan')).toBeTruthy();
  });

  it('stops a service only after a confirmation, and cancel sends nothing', async () => {
    const nginx = entry('nginx', true);
    const calls = fakeServer({
      'GET /software': () => [200, { software: [nginx], packageManager: 'apt', init: 'sysv' }],
      'POST /software/nginx/stop': () => [200, { ...nginx, running: false }],
    });
    renderWithProviders(<SoftwarePage />);
    const user = userEvent.setup();
    const posts = () => calls.filter((call) => call.method === 'POST').map((call) => call.path);

    await user.click(await screen.findByRole('button', { name: 'Service actions for nginx' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Stop' }));
    const dialog = await screen.findByRole('dialog', { name: 'Stop nginx?' });
    expect(within(dialog).getByText(/stops now/)).toBeTruthy();
    expect(posts()).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(posts()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Service actions for nginx' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Stop' }));
    const again = await screen.findByRole('dialog', { name: 'Stop nginx?' });
    await user.click(within(again).getByRole('button', { name: 'Stop' }));
    await vi.waitFor(() => expect(posts()).toEqual(['/software/nginx/stop']));
    expect(await screen.findByText('Stopped')).toBeTruthy();
  });

  it('warns that disabling or stopping OpenSSH may cut off SSH access, and restarts without asking', async () => {
    const ssh = entry('openssh-server', true);
    const calls = fakeServer({
      'GET /software': () => [200, { software: [ssh], packageManager: 'apt', init: 'sysv' }],
      'POST /software/openssh-server/disable': () => [200, { ...ssh, enabledAtBoot: false }],
      'POST /software/openssh-server/restart': () => [200, ssh],
    });
    renderWithProviders(<SoftwarePage />);
    const user = userEvent.setup();
    const posts = () => calls.filter((call) => call.method === 'POST').map((call) => call.path);
    const menu = await screen.findByRole('button', { name: 'Service actions for OpenSSH server' });

    await user.click(menu);
    await user.click(await screen.findByRole('menuitem', { name: 'Stop' }));
    const stop = await screen.findByRole('dialog', { name: 'Stop OpenSSH server?' });
    expect(within(stop).getByText(/may cut off SSH access to this server/)).toBeTruthy();
    await user.click(within(stop).getByRole('button', { name: 'Cancel' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await user.click(menu);
    await user.click(await screen.findByRole('menuitem', { name: 'Do not start at boot' }));
    const disable = await screen.findByRole('dialog', { name: 'Stop starting OpenSSH server at boot?' });
    expect(within(disable).getByText(/cuts off SSH access to this server/)).toBeTruthy();
    expect(posts()).toEqual([]);
    await user.click(within(disable).getByRole('button', { name: 'Do not start at boot' }));
    await vi.waitFor(() => expect(posts()).toEqual(['/software/openssh-server/disable']));

    await user.click(menu);
    await user.click(await screen.findByRole('menuitem', { name: 'Restart' }));
    await vi.waitFor(() =>
      expect(posts()).toEqual(['/software/openssh-server/disable', '/software/openssh-server/restart']),
    );
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('after a reload, follows the install still running or queued, with that package’s buttons held', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    let installed = false;
    const running: Task = { ...TASK, state: 'running', progress: 30, startedAt: 2 };
    const calls = fakeServer({
      'GET /software': () => [
        200,
        {
          software: [entry('nginx', installed), entry('openssh-server', true)],
          packageManager: 'apt',
          init: 'sysv',
        },
      ],
      'GET /tasks': () => {
        const state = new URLSearchParams(calls.at(-1)!.query).get('state');
        const other = { ...TASK, id: '22222222-2222-4222-8222-222222222222', kind: 'websites.apply' };
        return [200, { tasks: state === 'running' ? [running, other] : [], nextBefore: null }];
      },
    });
    renderWithProviders(<SoftwarePage />);
    const user = userEvent.setup();

    const update = await followedTask(TASK.id);
    const panel = await screen.findByTestId('task-log');
    expect(within(panel).getByText('Installing nginx')).toBeTruthy();
    update({
      type: 'log',
      taskId: TASK.id,
      lines: [{ seq: 7, at: 3, stream: 'stdout', line: 'Unpacking nginx' }],
    });
    expect(await within(panel).findByText('Unpacking nginx')).toBeTruthy();
    expect(
      calls
        .filter((call) => call.path === '/tasks')
        .map((call) => new URLSearchParams(call.query).get('state')),
    ).toEqual(['running', 'queued']);

    // Only nginx waits; the other packages can still be worked on.
    expect(screen.getByRole('button', { name: 'Install nginx' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Uninstall OpenSSH server' }).hasAttribute('disabled')).toBe(
      false,
    );
    await user.click(screen.getByRole('button', { name: 'Uninstall OpenSSH server' }));
    expect(await screen.findByRole('dialog', { name: 'Uninstall OpenSSH server?' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    installed = true;
    update({ type: 'task', task: { ...running, state: 'succeeded', progress: 100 } });
    expect(await within(panel).findByText('Done')).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Uninstall nginx' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await vi.waitFor(() => expect(screen.queryByTestId('task-log')).toBeNull());
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
  });
});
