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

const entry = (name: 'nginx' | 'redis', installed: boolean): SoftwareStatus => ({
  name,
  label: name === 'nginx' ? 'nginx' : 'Redis',
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
});
